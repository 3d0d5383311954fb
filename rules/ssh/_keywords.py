"""The extended catalogue's sshd keyword families: one parametrised check over a table.

Each family rule (authentication bypass, forwarding, crypto, session limits, banner) is a
table of `KeywordCheck`s. A check looks at the effective values of its keywords — for a
connection nothing is known about (what `sshd -T` prints) and, for keywords sshd allows
inside `Match`, for the connections each Match block matches — and says why they are
weak. The family fails `host` when any check fails globally (severity: the worst failing
check) and adds one conditional target per Match block that makes a check fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from proxguard.model.sshd import LAST_WINS, MatchBlock, Setting, SshdConfig
from proxguard.parsers.sshd_keywords import allowed_in_match
from proxguard.rule import Severity, TargetResult, failed, passed
from proxguard.rules.ssh._sshd import block_target, block_value, cite, loc, notes

Get = Callable[[str], Setting]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a check fails, the line that decides it and how bad it is."""

    why: str
    setting: Setting
    severity: Severity


@dataclass(frozen=True, slots=True)
class KeywordCheck:
    """One row of a family table. `judge(get, cfg)` returns a Verdict when the values are
    weak, else None; `fix(get, cfg)` the drop-in lines that make it pass."""

    name: str
    keywords: tuple[str, ...]
    judge: Callable[[Get, SshdConfig], Verdict | None]
    fix: Callable[[Get, SshdConfig], tuple[str, ...]]


def _worst(verdicts: Sequence[Verdict]) -> Severity:
    return max((v.severity for v in verdicts), key=lambda s: s.rank)


def _fix_facts(failing: Sequence[KeywordCheck], cfg: SshdConfig) -> dict[str, list[str]]:
    """What the drop-in fix writes: `lines`, the `keywords` it replaces in the drop-in,
    and `last_wins`, those of them sshd takes from the LAST line (MaxStartups), whose
    lines elsewhere the script must comment out."""
    lines: list[str] = []
    for c in failing:
        lines += [ln for ln in c.fix(cfg.effective, cfg) if ln not in lines]
    keywords = sorted({ln.split(" ", 1)[0] for ln in lines})
    return {"lines": lines, "keywords": keywords,
            "last_wins": [k for k in keywords if k in LAST_WINS]}


def judge(cfg: SshdConfig, checks: Sequence[KeywordCheck], rule_severity: Severity,
          match_blocks: bool = True) -> list[TargetResult]:
    """`host` plus one conditional target per Match block that weakens a check."""
    out = [_host(cfg, checks, rule_severity)]
    if match_blocks:
        out += [t for b in cfg.match_blocks if (t := _block(cfg, checks, b)) is not None]
    return out


def _host(cfg: SshdConfig, checks: Sequence[KeywordCheck],
          rule_severity: Severity) -> TargetResult:
    results = [(c, c.judge(cfg.effective, cfg)) for c in checks]
    bad = [(c, v) for c, v in results if v is not None]
    if not bad:
        keywords = dict.fromkeys(k for c in checks for k in c.keywords)
        shown = "; ".join(cite(cfg.effective(k)) for k in keywords)
        first = cfg.effective(checks[0].keywords[0])
        return passed("host", f"{shown}{notes(cfg)}", *loc(cfg, first))
    verdicts = [v for _c, v in bad if v is not None]
    worst = _worst(verdicts)
    return failed("host", "; ".join(v.why for v in verdicts) + notes(cfg),
                  *loc(cfg, verdicts[0].setting),
                  severity=worst if worst != rule_severity else None,
                  checks=[c.name for c, _v in bad], **_fix_facts([c for c, _v in bad], cfg))


def _block(cfg: SshdConfig, checks: Sequence[KeywordCheck],
           block: MatchBlock) -> TargetResult | None:
    """A Match block (not `Match All`) whose own lines (after its Match line, in its
    file) make a check fail for the connections it matches. A block that only inherits
    a weak global value is covered by the `host` target."""
    if block.is_all:
        return None
    in_block = [c for c in checks
                if any(k in block.settings and allowed_in_match(k, cfg.version)
                       for k in c.keywords)]
    if not in_block:
        return None

    def get(k: str) -> Setting:
        return block_value(cfg, block, k)

    def own(v: Verdict) -> bool:
        return v.setting.file == block.file and v.setting.line > block.line

    bad = [(c, v) for c in in_block if (v := c.judge(get, cfg)) is not None and own(v)]
    if not bad:
        return None
    verdicts = [v for _c, v in bad]
    first = verdicts[0].setting
    return failed(block_target(block), f"for connections matching {block.label} "
                  f"({block.file}:{block.line}): " + "; ".join(v.why for v in verdicts)
                  + notes(cfg), first.file, first.line, conditional=block.label,
                  severity=_worst(verdicts), checks=[c.name for c, _v in bad],
                  **_fix_facts([c for c, _v in bad], cfg), file_path=block.file,
                  disable=[f"{v.setting.line}:{v.setting.keyword}" for v in verdicts])
