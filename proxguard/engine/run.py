"""Runs a profile's rules over the host model and turns target results into findings.

This is where the five result states are decided, in one place: not_evaluated when an
input is missing (never a failure) or when no object the check saw could be judged,
not_applicable when a check found nothing to judge, accepted when every failing target
is covered by a live acceptance, else pass or fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from proxguard.engine.acceptances import Acceptance
from proxguard.engine.profiles import Profile
from proxguard.model.host import Host
from proxguard.rule import CATEGORIES, Rule, Severity, Status, TargetResult


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    result: TargetResult
    status: Status  # PASS, FAIL or ACCEPTED
    severity: Severity  # the severity this target fails with (conditional: one step lower)
    source: str | None = None  # the offending line's text, for evidence
    acceptance: Acceptance | None = None


@dataclass(slots=True)
class Finding:
    rule: Rule
    severity: Severity  # the profile's severity for the rule
    status: Status
    targets: list[TargetOutcome] = field(default_factory=list)
    missing_inputs: tuple[str, ...] = ()
    error: str | None = None  # a check that crashed: reported, never passed

    @property
    def failing(self) -> list[TargetOutcome]:
        return [t for t in self.targets if t.status is Status.FAIL]

    @property
    def accepted(self) -> list[TargetOutcome]:
        return [t for t in self.targets if t.status is Status.ACCEPTED]

    def worst(self, statuses: Iterable[Status]) -> Severity | None:
        """Worst severity among targets in `statuses` (drives the deduction)."""
        wanted = set(statuses)  # once, not once per target
        sevs = [t.severity for t in self.targets if t.status in wanted]
        return max(sevs, key=lambda s: s.rank) if sevs else None


def profile_rules(rules: Sequence[Rule], profile: Profile) -> list[Rule]:
    """The rules a profile runs, in stable category-then-registry order."""
    chosen = [r for r in rules if profile.id in r.profiles]
    return sorted(chosen, key=lambda r: CATEGORIES.index(r.category))


def run(host: Host, rules: Sequence[Rule], profile: Profile,
        acceptances: Sequence[Acceptance] = ()) -> list[Finding]:
    live: dict[tuple[str, str], Acceptance] = {}
    for a in acceptances:  # the first live acceptance of a (rule, target) decides
        if a.active(host.now):
            live.setdefault((a.rule, a.target), a)
    return [_run_rule(host, rule, profile, live) for rule in profile_rules(rules, profile)]


def _run_rule(host: Host, rule: Rule, profile: Profile,
              live: Mapping[tuple[str, str], Acceptance]) -> Finding:
    tuning = rule.profiles[profile.id]
    missing = tuple(name for name in rule.inputs if not host.has(name))
    if missing:
        return Finding(rule, tuning.severity, Status.NOT_EVALUATED, missing_inputs=missing)
    try:
        results = list(rule.check(host, tuning.params))
    except Exception as exc:  # a rule bug must show, not pass and not crash the audit
        msg = f"check failed with {type(exc).__name__}: {exc}"
        host.diagnostics.error("", 0, f"rule {rule.id}: {msg}; not assessed")
        return Finding(rule, tuning.severity, Status.NOT_EVALUATED, error=msg)
    outcomes = _outcomes(host, rule, tuning.severity, results, live)
    return Finding(rule, tuning.severity, _aggregate(outcomes), outcomes)


def _outcomes(host: Host, rule: Rule, severity: Severity, results: list[TargetResult],
              live: Mapping[tuple[str, str], Acceptance]) -> list[TargetOutcome]:
    """Each result's outcome: its severity (a conditional one a step lower), a live
    acceptance of a failing one, the quoted line. One loop, no call per target: a
    20k-user user.cfg has 120,000 targets."""
    line = host.snapshot.line
    out = []
    for r in results:
        sev = r.severity or severity
        if r.conditional:
            sev = sev.lowered()
        status = r.status
        acc = None
        if status is Status.FAIL:
            acc = live.get((rule.id, r.id))
            if acc is not None:
                status = Status.ACCEPTED
        source = line(r.file, r.line) if r.file and r.line else None
        out.append(TargetOutcome(r, status, sev, source, acc))
    return out


def _aggregate(outcomes: Sequence[TargetOutcome]) -> Status:
    statuses = {o.status for o in outcomes} - {Status.NOT_APPLICABLE}
    if not statuses:  # nothing to judge, or only targets the check says are moot
        return Status.NOT_APPLICABLE
    if Status.FAIL in statuses:
        return Status.FAIL
    if Status.ACCEPTED in statuses:
        return Status.ACCEPTED
    if Status.PASS in statuses:
        return Status.PASS
    return Status.NOT_EVALUATED  # every object seen, none of them judgeable: no points
