"""The fleet document (`proxguard-fleet/1`, DESIGN.md §7): one entry per host with its full
single-host report, plus a summary that says at a glance which hosts need attention.

Built from report dicts only, so it is the same whether the hosts were audited in this
process or in worker processes, and renderers never see engine objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from proxguard.version import __version__

SCHEMA = "proxguard-fleet/1"
SEVERITIES = ("critical", "high", "medium", "low", "info")
GRADES = ("A", "B", "C", "D", "F")
WORST_SHOWN = 3


@dataclass(frozen=True)
class HostOutcome:
    """What auditing one host produced (sent back from a worker process)."""

    host: str
    path: str
    kind: str  # "tarball", "directory" or "loose" (fleet.hosts.HostInput.kind)
    report: dict[str, Any] | None
    error: str | None = None  # the input could not be read: no report
    threshold_hit: bool = False
    # The report as `json.dumps(report, indent=2)` text, made in the worker process when
    # the fleet is written as JSON: serialising is most of the parent's share of the work.
    report_json: str | None = None


def failing_counts(report: Mapping[str, Any]) -> dict[str, int]:
    """Unaccepted failing targets by their severity (what --fail-on judges)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in report["findings"]:
        for t in f["targets"]:
            if t["status"] == "fail":
                sev = t.get("severity", f["severity"])
                counts[sev if sev in counts else "info"] += 1
    return counts


def worst_findings(report: Mapping[str, Any], limit: int = WORST_SHOWN) -> list[dict[str, Any]]:
    """The failing rules that matter most: highest effective severity, then most failing
    targets, then catalogue order."""
    rank = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}
    failing = [(i, f) for i, f in enumerate(report["findings"]) if f["status"] == "fail"]
    failing.sort(key=lambda p: (-rank.get(p[1].get("effective_severity", p[1]["severity"]), 0),
                                -sum(t["status"] == "fail" for t in p[1]["targets"]), p[0]))
    return [{"rule": f["rule"], "title": f["title"],
             "severity": f.get("effective_severity", f["severity"]),
             "targets": sum(t["status"] == "fail" for t in f["targets"])}
            for _, f in failing[:limit]]


def host_entry(outcome: HostOutcome) -> dict[str, Any]:
    report = outcome.report
    return {
        "host": outcome.host,
        "path": outcome.path,
        "kind": outcome.kind,
        "grade": report["grade"] if report else None,
        "score": report["score"] if report else None,
        "failing": failing_counts(report) if report else None,
        "worst": worst_findings(report) if report else [],
        "threshold_hit": outcome.threshold_hit,
        "error": outcome.error,
        "report": report,
    }


def build_fleet(outcomes: Sequence[HostOutcome], profile: str,
                thresholds: Mapping[str, Any]) -> dict[str, Any]:
    hosts = [host_entry(o) for o in outcomes]
    grades = dict.fromkeys((*GRADES, "none"), 0)
    failing = dict.fromkeys(SEVERITIES, 0)
    for h in hosts:
        if h["error"] is None:
            grades[h["grade"] or "none"] += 1
            for sev, n in h["failing"].items():
                failing[sev] += n
    graded = [h["grade"] for h in hosts if h["grade"]]
    return {
        "schema": SCHEMA,
        "tool": {"name": "proxguard", "version": __version__},
        "profile": profile,
        "hosts": hosts,
        "summary": {
            "hosts": len(hosts),
            "audited": sum(h["error"] is None for h in hosts),
            "errors": sum(h["error"] is not None for h in hosts),
            "threshold_hit": sum(h["threshold_hit"] for h in hosts),
            "thresholds": dict(thresholds),
            "grades": grades,
            "worst_grade": max(graded, key=GRADES.index) if graded else None,
            "failing": failing,
        },
    }


def exit_code(fleet: Mapping[str, Any]) -> int:
    """2 if a host could not be read (a report with a hole is not a pass), else 1 if any
    host hit a threshold, else 0."""
    if fleet["summary"]["errors"]:
        return 2
    return 1 if fleet["summary"]["threshold_hit"] else 0
