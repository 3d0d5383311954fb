"""Scoring profiles as data: weights, deductions, aggregation and grade bands.

Rule membership and per-rule severity live with each rule (its `profiles` mapping), so
adding a rule never touches this file; what lives here is how a profile turns verdicts
into numbers. `compat` reproduces the incumbent's arithmetic (rules-catalogue.md §3.1);
`extended` uses normalise-then-cap (§3.2 item 4) so that supplying a file whose rules
pass can only raise a score, while genuine failures still dominate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from proxguard.rule import CATEGORY_TABLE, Severity

Aggregation = Literal["subtract", "normalise_cap"]


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    weights: dict[str, int]
    deductions: dict[Severity, int]
    aggregation: Aggregation
    caps: dict[Severity, int]  # worst failed severity → highest category score allowed
    grades: tuple[tuple[int, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))

    def grade(self, score: int) -> str:
        for floor, letter in self.grades:
            if score >= floor:
                return letter
        return "F"


_WEIGHTS = {c.id: c.weight for c in CATEGORY_TABLE}

COMPAT = Profile(
    id="compat",
    title="ProxGuard-compatible",
    weights=_WEIGHTS,
    # The incumbent has no "low"; a low severity never occurs in compat, but the table is
    # total so a mis-tuned rule cannot crash scoring.
    deductions={Severity.CRITICAL: 40, Severity.HIGH: 25, Severity.MEDIUM: 10,
                Severity.LOW: 5, Severity.INFO: 5},
    aggregation="subtract",
    caps={},
)

EXTENDED = Profile(
    id="extended",
    title="Extended",
    weights=_WEIGHTS,
    deductions={Severity.CRITICAL: 40, Severity.HIGH: 25, Severity.MEDIUM: 10,
                Severity.LOW: 4, Severity.INFO: 0},
    aggregation="normalise_cap",
    caps={Severity.CRITICAL: 59, Severity.HIGH: 79, Severity.MEDIUM: 89},
)

PROFILES: dict[str, Profile] = {p.id: p for p in (COMPAT, EXTENDED)}
