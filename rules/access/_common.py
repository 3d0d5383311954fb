"""What the access and API-token rules share: which tokens a profile judges, how a
user.cfg line is cited (the scripts share access/_usercfg_backup.sh.j2 and _acl_has.sh.j2).

compat counts tokens written in the incumbent's own (non-PVE) line form so that its
verdicts on the incumbent's samples stay comparable; extended only judges what PVE
itself loads, and only subjects that can still authenticate where the rule says so.
"""

from __future__ import annotations

from proxguard.model.access import AccessControl, Token, User


def where(file: str, line: int) -> str:
    return f"{file}:{line}" if line else f"{file}, implicit"


def user_ref(u: User) -> str:
    return where(u.file, u.line) if u.file else "implicit root@pam"


def judged_tokens(ac: AccessControl, *, incumbent_format: bool) -> list[Token]:
    """Real tokens in file order, plus incumbent-form lines when the profile counts them."""
    toks = list(ac.tokens.values())
    if incumbent_format:
        toks += [t for t in ac.incumbent_tokens.values() if t.id not in ac.tokens]
    return toks


def token_facts(t: Token) -> dict[str, object]:
    return {"userid": t.user, "tokenid": t.name, "full_tokenid": t.id, "expire": t.expire,
            "privsep": int(t.privsep)}
