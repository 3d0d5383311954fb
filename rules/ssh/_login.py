"""What root-ssh-password and password-auth-enabled share: "can this account log in with
a password alone?" judged with login eligibility (AllowUsers/DenyUsers/AllowGroups/
DenyGroups) and every password-equivalent method (PAM keyboard-interactive included),
worded with the lines that decide it.
"""

from __future__ import annotations

from proxguard.model.sshd import MatchBlock, Setting, SshdConfig
from proxguard.model.sshd_access import RELEVANT, Access, Account, Cell, Source
from proxguard.model.sshd_login import LISTS
from proxguard.rule import TargetResult, failed
from proxguard.rules.ssh._sshd import block_target, cite, notes


def eligible_text(cell: Cell, who: str, cfg: SshdConfig | None = None) -> str:
    """"; root is eligible: listed in AllowUsers (file:line)" — empty when no access list
    exists at all (then nothing but the methods decides)."""
    e = cell.eligibility
    if cfg is not None and not lists_present(cfg) and not e.assumption:
        return ""
    where = f" ({e.where})" if e.where else ""
    text = f"; {who} is eligible: {e.reason}{where}"
    return text + (f" [{e.assumption}]" if e.assumption else "")


def denied_text(cell: Cell, who: str, elsewhere: bool = False) -> str:
    """`elsewhere`: other sources are judged by their own targets."""
    e = cell.eligibility
    scope = " from any source no Match block or USER@HOST entry names" if elsewhere \
        else " at all"
    text = f"{who} may not log in over SSH{scope}: {e.reason} ({e.where})"
    return text + (f" [{e.assumption}]" if e.assumption else "")


def password_text(cell: Cell) -> str:
    """Which password methods complete a login alone, citing their lines."""
    by_kw = {s.keyword: s for s in cell.methods.settings}
    parts = []
    for chain in cell.methods.chains:
        if len(chain) != 1:
            continue
        if chain[0] == "password" and "PasswordAuthentication" in by_kw:
            parts.append(cite(by_kw["PasswordAuthentication"]))
        elif chain[0] == "keyboard-interactive":
            kbd, pam = by_kw.get("KbdInteractiveAuthentication"), by_kw.get("UsePAM")
            if kbd is not None and pam is not None:
                parts.append(f"{cite(kbd)} with {cite(pam)} (PAM's keyboard-interactive "
                             "prompt asks for the Unix password)")
    am = by_kw.get("AuthenticationMethods")
    if am is not None and not am.default:
        parts.append(cite(am))
    return "; ".join(parts)


def methods_text(cell: Cell) -> str:
    m = cell.methods
    if m.refused is not None:
        return cite(m.refused)
    labels = ", ".join(m.labels())
    return f"methods that complete a login: {labels}" if labels else \
        "no enabled method completes a login"


def chain_relevant(block: MatchBlock) -> Setting | None:
    """The first setting in `block` (or an enclosing block) that can change who logs in
    how, or None when the block changes nothing that matters here."""
    b: MatchBlock | None = block
    while b is not None:
        for kw, s in b.settings.items():
            if kw in RELEVANT:
                return s
        b = b.outer
    return None


def block_failures(cfg: SshdConfig, access: Access, accounts: list[Account], who: str,
                   value: str | None) -> list[TargetResult]:
    """One conditional FAIL per Match block (not `Match All`) under which one of
    `accounts` can log in with a password alone."""
    out = []
    for block in cfg.match_blocks:
        first = None if block.is_all else chain_relevant(block)
        if first is None:
            continue
        weak = next(((a, c) for a in access.candidates(accounts, block)
                     if (c := access.block_cell(a, block, password_only=True)) is not None
                     and c.password_alone), None)
        if weak is None:
            continue
        acct, cell = weak
        facts: dict[str, object] = {"keyword": first.keyword}
        if value is not None:
            facts["value"] = value
        text = (f"for connections matching {block.label} ({block.file}:{block.line}): "
                f"{password_text(cell)} ({who or acct.label} may log in with a password)"
                f"{eligible_text(cell, acct.label, cfg)}{notes(cfg)}")
        out.append(failed(block_target(block), text, first.file, first.line,
                          conditional=block.label, file_path=first.file or "",
                          line_no=first.line, **facts))
    return out


def source_failures(cfg: SshdConfig, access: Access, accounts: list[Account],
                    facts: dict[str, object]) -> list[TargetResult]:
    """One conditional FAIL per USER@HOST entry that makes one of `accounts` eligible,
    with a password, only from the sources it names (start-up lists)."""
    out = []
    seen: set[str] = set()
    for src in access.sources():
        if not isinstance(src.origin, Setting):
            continue
        s = src.origin
        target = f"host/source/{s.file}:{s.line}"
        if target in seen:
            continue
        weak = next(((a, c) for a in accounts
                     if (c := access.start_cell(a, src.addr)).password_alone), None)
        if weak is None or weak[1].eligibility.setting is None:
            continue
        acct, cell = weak
        seen.add(target)
        deciding = cell.eligibility.setting or s
        text = (f"{acct.label} may log in with a password only {src.label}: "
                f"{password_text(cell)}{eligible_text(cell, acct.label)}{notes(cfg)}")
        out.append(failed(target, text, deciding.file, deciding.line,
                          conditional=f"{src.label} ({s.keyword} at {s.file}:{s.line})",
                          global_fix=True, **facts))
    return out


def lists_present(cfg: SshdConfig) -> bool:
    return any(o.setting.keyword in LISTS for o in cfg.occurrences) or bool(
        cfg.sshd_t and any(cfg.sshd_t.get(k.lower()) for k in LISTS))


__all__ = ["Access", "Account", "Cell", "Source", "block_failures", "denied_text",
           "eligible_text", "lists_present", "methods_text", "password_text",
           "source_failures"]
