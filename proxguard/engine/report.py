"""The canonical report: one JSON-able object every renderer and the web page consume.

Its shape is the `proxguard-report/1` contract of DESIGN.md §4. Renderers take this dict,
not engine objects, so the CLI, the browser and saved reports (--compare) all speak the
same language. Ordering is stable: categories, then the registry order of rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from proxguard.engine.acceptances import Acceptance
from proxguard.engine.collector import collector_paused
from proxguard.engine.profiles import Profile
from proxguard.engine.run import Finding, TargetOutcome
from proxguard.engine.scoring import Score
from proxguard.model.host import Host
from proxguard.remediation.scripts import RemediationError, render_finding
from proxguard.version import __version__

SCHEMA = "proxguard-report/1"


class PendingScripts:
    """The findings' remediation scripts, rendered when a consumer first needs them.

    A failing target's script is ~16–38 µs of Jinja: 36,000 of them are 0.65 s of a
    20k-user audit (bench/scale.py users), and the text, SARIF, JUnit and Markdown
    outputs never show them. So the report is built with each failing finding's
    `remediation.script` set to None and filled in place, in finding order, the first
    time `fill` runs (Report.to_json() does, unless asked not to). The filled report is
    the one the eager build made, byte for byte: a template error adds its diagnostic to
    the host and to the report's `diagnostics`, after every earlier one, as before.
    """

    def __init__(self, host: Host, data: dict[str, Any],
                 items: list[tuple[dict[str, Any], Finding]]) -> None:
        self._host = host
        self._data = data
        self._items = items

    def fill(self) -> None:
        if not self._items:
            return
        items, self._items = self._items, []
        seen = len(self._host.diagnostics)
        with collector_paused():  # ~36,000 scripts of a large user.cfg: millions of objects
            for remediation, finding in items:
                remediation["script"] = _script(finding, self._host)
        self._data["diagnostics"] += [d.to_json() for d in self._host.diagnostics[seen:]]


def build_report(host: Host, profile: Profile, findings: Sequence[Finding], with_acc: Score,
                 without_acc: Score, acceptances: Sequence[Acceptance] = (),
                 firewall: dict[str, Any] | None = None,
                 ssh_logins: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report with every script rendered (see `build_report_pending`)."""
    data, pending = build_report_pending(host, profile, findings, with_acc, without_acc,
                                         acceptances, firewall, ssh_logins)
    pending.fill()
    return data


def build_report_pending(host: Host, profile: Profile, findings: Sequence[Finding],
                         with_acc: Score, without_acc: Score,
                         acceptances: Sequence[Acceptance] = (),
                         firewall: dict[str, Any] | None = None,
                         ssh_logins: dict[str, Any] | None = None
                         ) -> tuple[dict[str, Any], PendingScripts]:
    """The report, its failing findings' scripts still to render (PendingScripts)."""
    stale = _stale(findings, acceptances)
    pending: list[tuple[dict[str, Any], Finding]] = []
    findings_json = [_finding_json(f, pending) for f in findings]
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "proxguard", "version": __version__},
        "profile": profile.id,
        "grade": with_acc.grade,
        "score": with_acc.score,
        "coverage": with_acc.coverage,
        "score_without_acceptances": without_acc.score,
        "grade_without_acceptances": without_acc.grade,
        "summary": _summary(findings),
        "categories": [
            {"id": c.id, "weight": c.weight, "score": c.score, "grade": c.grade,
             "assessed": c.assessed, "counts": c.counts}
            for c in with_acc.categories
        ],
        "findings": findings_json,
        "firewall": firewall,
        "ssh_logins": ssh_logins,
        "acceptances": {"applied": [a.to_json() for a in acceptances if a not in stale],
                        "stale": [_stale_json(a, findings, host.now) for a in stale]},
        "diagnostics": [d.to_json() for d in host.diagnostics],
        "inputs": [{"path": f.path, "kind": f.kind,
                    "sha256": hashlib.sha256(f.text.encode("utf-8")).hexdigest()}
                   for f in sorted(host.snapshot.files.values(), key=lambda f: f.path)],
        "audit_time": host.now,
    }
    if host.snapshot.live is not None:  # `proxguard audit /`: which host, when (DESIGN §7)
        report["live"] = host.snapshot.live
    return report, PendingScripts(host, report, pending)


def _summary(findings: Sequence[Finding]) -> dict[str, int]:
    out = {"rules": len(findings), "fail": 0, "pass": 0, "accepted": 0, "not_applicable": 0,
           "not_evaluated": 0, "failing_targets": 0, "accepted_targets": 0}
    for f in findings:
        out[f.status.value] += 1
        out["failing_targets"] += len(f.failing)
        out["accepted_targets"] += len(f.accepted)
    return out


def _finding_json(f: Finding, pending: list[tuple[dict[str, Any], Finding]]
                  ) -> dict[str, Any]:
    rule = f.rule
    worst = f.worst({f.status}) if f.targets else None
    out: dict[str, Any] = {
        "rule": rule.id,
        "title": rule.title,
        "category": rule.category,
        "severity": f.severity.value,
        "effective_severity": (worst or f.severity).value,
        "status": f.status.value,
        "references": [r.to_json() for r in rule.references],
        "rationale": rule.rationale,
        "targets": [_target_json(t) for t in f.targets],
        "remediation": {"summary": rule.remediation.summary, "script": ""},
    }
    if f.failing:  # rendered by PendingScripts.fill, in finding order
        out["remediation"]["script"] = None
        pending.append((out["remediation"], f))
    if f.missing_inputs:
        out["missing_inputs"] = list(f.missing_inputs)
    if f.error:
        out["error"] = f.error
    return out


def _target_json(t: TargetOutcome) -> dict[str, Any]:
    r = t.result
    out: dict[str, Any] = {"id": r.id, "status": t.status.value, "severity": t.severity.value,
                           "evidence": r.evidence, "file": r.file, "line": r.line}
    if t.source is not None:
        out["source"] = t.source
    if r.conditional:
        out["conditional"] = r.conditional
    if t.acceptance is not None:
        out["acceptance"] = {"reason": t.acceptance.reason,
                             "expires": t.acceptance.expires.isoformat()
                             if t.acceptance.expires else None}
    return out


def _script(f: Finding, host: Host) -> str:
    if not f.failing:
        return ""
    try:
        return render_finding(f)
    except RemediationError as exc:
        host.diagnostics.error("", 0, f"remediation template error: {exc}")
        return ""


def _stale_json(a: Acceptance, findings: Sequence[Finding], now: int) -> dict[str, str]:
    """A stale acceptance; one that lapsed while its target still fails carries
    `expired_on`, so it is shown as "expired on <date>", not as matching nothing."""
    out = a.to_json()
    failing = any(f.rule.id == a.rule and t.result.id == a.target
                  for f in findings for t in f.failing)
    if failing and a.expires is not None and not a.active(now):
        out["expired_on"] = a.expires.isoformat()
    return out


def _stale(findings: Sequence[Finding], acceptances: Sequence[Acceptance]) -> list[Acceptance]:
    used = {(f.rule.id, t.result.id) for f in findings for t in f.accepted}
    return [a for a in acceptances if (a.rule, a.target) not in used]
