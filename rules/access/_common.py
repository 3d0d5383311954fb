"""What the access and API-token rules share: which tokens a profile judges, how a
user.cfg line is cited, and the script preamble that backs up user.cfg.

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


# Shell preamble every access script uses: a dated copy of user.cfg before any change.
BACKUP = """\
BACKUP_DIR="${PROXGUARD_ROOT:-}/root/proxguard-backup"
USERCFG="${PROXGUARD_ROOT:-}/etc/pve/user.cfg"
backup_usercfg() {
    mkdir -p "$BACKUP_DIR"
    if [ -f "$USERCFG" ]; then
        cp -p "$USERCFG" "$BACKUP_DIR/user.cfg.$(date +%Y%m%d%H%M%S)"
        echo "Saved a copy of user.cfg in $BACKUP_DIR"
    fi
}
"""

# Read-only state checks, so a script can say "nothing to do" before it backs anything up.
# `pveum acl list` prints one JSON object per (path, subject, role) on one line
# (PVE::API2::ACL read_acl: path, type, ugid, roleid, propagate; a group's ugid has no @).
ACL_HAS = """\
acl_has() {
    # $1 path, $2 ugid (userid, group name or token id), $3 role: is that ACL entry set?
    pveum acl list --output-format json | tr '{' '\\n' | grep -F "\\"path\\":\\"$1\\"" \\
        | grep -F "\\"ugid\\":\\"$2\\"" | grep -qF "\\"roleid\\":\\"$3\\""
}
"""
