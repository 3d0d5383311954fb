"""Findings → category scores → overall score and grade, per the profile's arithmetic.

One deduction per rule, never per instance (rules-catalogue.md §3.2 item 5): supplying
more container configs shows more evidence but does not multiply the penalty. Only
categories with at least one evaluated rule count; weights renormalise over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from proxguard.engine.profiles import Profile
from proxguard.engine.run import Finding
from proxguard.rule import CATEGORIES, Severity, Status


@dataclass(frozen=True, slots=True)
class CategoryScore:
    id: str
    weight: int
    assessed: bool
    score: int | None
    grade: str | None
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Score:
    score: int | None  # None when nothing at all was assessed
    grade: str | None
    categories: list[CategoryScore]
    coverage: float  # evaluated rules / rules in the profile


def score(findings: Sequence[Finding], profile: Profile, *, honour_acceptances: bool = True) -> Score:
    """Accepted targets count as passing when `honour_acceptances`, as failing otherwise
    (the report shows both, so nothing accepted is hidden)."""
    failing = {Status.FAIL} if honour_acceptances else {Status.FAIL, Status.ACCEPTED}
    cats = [_category(cat, [f for f in findings if f.rule.category == cat], profile, failing)
            for cat in CATEGORIES]
    assessed = [c for c in cats if c.assessed and c.score is not None]
    total_w = sum(c.weight for c in assessed)
    overall = round(sum(c.weight * (c.score or 0) for c in assessed) / total_w) if total_w else None
    evaluated = sum(1 for f in findings if f.status is not Status.NOT_EVALUATED)
    coverage = round(evaluated / len(findings), 4) if findings else 0.0
    return Score(overall, profile.grade(overall) if overall is not None else None, cats, coverage)


def _category(cat: str, findings: Sequence[Finding], profile: Profile,
              failing: set[Status]) -> CategoryScore:
    counts = {s.value: 0 for s in Status}
    for f in findings:
        counts[f.status.value] += 1
    evaluated = [f for f in findings if f.status is not Status.NOT_EVALUATED]
    weight = profile.weights.get(cat, 0)
    if not evaluated:
        return CategoryScore(cat, weight, False, None, None, counts)
    value = (_subtract if profile.aggregation == "subtract" else _normalise_cap)(
        evaluated, profile, failing)
    return CategoryScore(cat, weight, True, value, profile.grade(value), counts)


def _subtract(findings: Sequence[Finding], profile: Profile, failing: set[Status]) -> int:
    total = 100
    for f in findings:
        sev = f.worst(failing)
        if sev is not None:
            total -= profile.deductions[sev]
    return max(0, total)


def _normalise_cap(findings: Sequence[Finding], profile: Profile, failing: set[Status]) -> int:
    """score = 100 × (1 − Σ failed d / Σ evaluated d), then capped by the worst failure.

    The denominator weighs each evaluated rule by its profile severity (what the category
    stands to lose through it); the numerator by the severity it actually fails with
    (conditional Match-scoped failures one step lower, per-target overrides such as
    nesting on an unprivileged container). Not-applicable rules weigh nothing either way.
    """
    lost = possible = 0
    worst: Severity | None = None
    for f in findings:
        if f.status is Status.NOT_APPLICABLE:
            continue
        possible += profile.deductions[f.severity]
        sev = f.worst(failing)
        if sev is not None:
            lost += profile.deductions[sev]
            if worst is None or sev.rank > worst.rank:
                worst = sev
    value = 100 if possible == 0 else round(100 * (1 - min(lost, possible) / possible))
    if worst is not None and worst in profile.caps:
        value = min(value, profile.caps[worst])
    return max(0, value)
