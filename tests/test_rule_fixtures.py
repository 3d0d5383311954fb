"""Every rule fixture: a host tree in real format and the exact verdict expected of it.

Layout: tests/fixtures/<rule-id>/<pass|fail|na|ne>-<name>/ holding files laid out like
the host root plus expect.json: {"now": epoch?, "<profile>": {"status": ..., "targets":
{target id: status}, "where"?: {target id: "file:line"}}}. The targets map is exact, so a
rule that judges an extra object (or misses one) fails here; `where` pins the deciding
line a target's evidence points at.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import proxguard

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_NOW = 1767225600  # 2026-01-01T00:00:00Z: fixtures are judged at a fixed time


def _cases() -> list[Path]:
    return sorted(p.parent for p in FIXTURES.glob("*/*/expect.json"))


def _ids() -> list[str]:
    return [f"{c.parent.name}/{c.name}" for c in _cases()]


@pytest.mark.parametrize("case", _cases(), ids=_ids())
def test_fixture(case: Path) -> None:
    expect = json.loads((case / "expect.json").read_text())
    rule_id = case.parent.name
    profiles = [p for p in expect if p in ("compat", "extended")]
    assert profiles, f"{case}: expect.json names no profile"
    for profile in profiles:
        snap = proxguard.load_snapshot([case])
        report = proxguard.audit(snap, profile=profile, now=expect.get("now", DEFAULT_NOW))
        finding = next((f for f in report.to_json()["findings"] if f["rule"] == rule_id), None)
        assert finding is not None, f"{rule_id} is not in the {profile} profile"
        want = expect[profile]
        got_targets = {t["id"]: t["status"] for t in finding["targets"]}
        assert (finding["status"], got_targets) == (want["status"], want.get("targets", {})), (
            f"{case.name} [{profile}]: evidence: "
            + "; ".join(f"{t['id']}: {t['evidence']}" for t in finding["targets"]))
        for target, where in want.get("where", {}).items():
            t = next(t for t in finding["targets"] if t["id"] == target)
            assert f"{t['file']}:{t['line']}" == where, (
                f"{case.name} [{profile}] {target}: deciding line {t['file']}:{t['line']}, "
                f"expected {where}: {t['evidence']}")
        for t in finding["targets"]:
            if t["status"] == "fail":
                assert t["evidence"], f"{rule_id} {t['id']}: a failure needs evidence"
        if finding["status"] == "fail":
            assert finding["remediation"]["script"].strip(), f"{rule_id}: failure without a script"
