"""What the four SSH rules share: evidence wording and Match-block targets (their scripts
share the templates ssh/_dropin.sh.j2, _match_fix.sh.j2 and _sshd_*.sh.j2).

The rules differ only in which keywords they read and what counts as weak; how a value is
cited, how a Match block becomes a conditional target and how the drop-in fix is written
must be the same everywhere, so it lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from proxguard.model.sshd import MatchBlock, Setting, SshdConfig
from proxguard.model.sshd_match import match_pattern_list
from proxguard.rule import Severity, TargetResult, failed


def cite(s: Setting) -> str:
    """`PermitRootLogin yes (etc/ssh/sshd_config:32)`; defaults say so."""
    if s.default:
        return f"{s.keyword} {s.value} (default, no line sets it)"
    origin = "sshd -T" if s.source == "sshd-T" else "first value wins"
    return f"{s.keyword} {s.value} ({s.file}:{s.line}, {origin})"


def loc(cfg: SshdConfig, s: Setting) -> tuple[str | None, int]:
    """Where a verdict points: the deciding line, or for a default (no line sets the
    keyword) the main configuration file as a whole (line 0), so every finding has a file."""
    if s.file:
        return s.file, s.line
    return (cfg.files[0] if cfg.files else None), 0


def notes(cfg: SshdConfig) -> str:
    """Caveats appended to every SSH evidence sentence."""
    out = []
    if not cfg.complete:
        out.append("configuration incomplete: Include " + ", ".join(cfg.missing_includes)
                   + " not supplied")
    if cfg.refused:
        out.append("sshd would refuse to start with these files (see diagnostics)")
    return ("; " + "; ".join(out)) if out else ""


def block_target(block: MatchBlock) -> str:
    return f"host/match/{block.file}:{block.line}"


def block_value(cfg: SshdConfig, block: MatchBlock, keyword: str) -> Setting:
    """The value a connection matching `block` gets for `keyword`, counting the block's
    enclosing blocks, then the start-up value."""
    b: MatchBlock | None = block
    while b is not None:
        if keyword in b.settings:
            return b.settings[keyword]
        b = b.outer
    return cfg.effective(keyword)


def can_match_user(block: MatchBlock, user: str) -> bool:
    """Could a login as `user` fall under this block? (False for `Match User alice`.)"""
    b: MatchBlock | None = block
    while b is not None:
        for c in b.criteria:
            if c.attribute == "user" and match_pattern_list(user, c.patterns) != 1:
                return False
        b = b.outer
    return True


def conditional_failures(cfg: SshdConfig, keywords: Iterable[str],
                         weak: Callable[[Callable[[str], Setting]], str | None],
                         facts: Callable[[MatchBlock, str], dict[str, object]],
                         user: str | None = None,
                         severity: Severity | None = None) -> list[TargetResult]:
    """One conditional FAIL per Match block (not `Match All`) that makes a weak
    combination for the connections it matches. `weak(get)` returns the evidence text
    when the values `get(keyword)` are weak, else None."""
    out = []
    for block in cfg.match_blocks:
        if block.is_all or not any(k in _chain_settings(block) for k in keywords):
            continue
        if user is not None and not can_match_user(block, user):
            continue
        why = weak(lambda k, b=block: block_value(cfg, b, k))  # type: ignore[misc]
        if why is None:
            continue
        first = next(block_value(cfg, block, k) for k in keywords
                     if k in _chain_settings(block))
        out.append(failed(block_target(block), f"for connections matching {block.label} "
                          f"({block.file}:{block.line}): {why}{notes(cfg)}",
                          first.file, first.line, conditional=block.label, severity=severity,
                          **facts(block, first.keyword), file_path=first.file or "",
                          line_no=first.line))
    return out


def _chain_settings(block: MatchBlock) -> dict[str, Setting]:
    merged: dict[str, Setting] = {}
    b: MatchBlock | None = block
    while b is not None:
        for k, v in b.settings.items():
            merged.setdefault(k, v)
        b = b.outer
    return merged
