"""Issue 12 items 16 and 17 (host channel and forwarding checks): extended-only, silent
on the clean host sample, documented by `proxguard explain`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import proxguard

NEW = ("apt-channel", "fw-forward-policy", "stale-pristine-snapshot",
       "ram-budget")
# the clean host sample has no firewall files: fw-forward-policy is judged by its fixtures
CLEAN_PASS = ("apt-channel",)
CLEAN = Path(__file__).parent / "samples" / "clean-host"


def test_none_of_these_checks_fires_on_the_clean_host() -> None:
    report = proxguard.audit(proxguard.load_snapshot([CLEAN]), profile="extended", now=0)
    got = {f.rule.id: f.status.value for f in report.findings if f.rule.id in CLEAN_PASS}
    assert got == dict.fromkeys(CLEAN_PASS, "pass")


def test_these_checks_are_extended_only() -> None:
    report = proxguard.audit(proxguard.load_snapshot([CLEAN]), profile="compat", now=0)
    assert not {f.rule.id for f in report.findings} & set(NEW)


@pytest.mark.parametrize("rule", NEW)
def test_explain_documents_each_rule(rule: str) -> None:
    out = subprocess.run([sys.executable, "-m", "proxguard", "explain", rule],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith(rule) and "**What is checked.**" in out and "Why" in out


def test_apt_sources_missing_means_not_evaluated() -> None:
    snap = proxguard.load_snapshot([CLEAN / "etc" / "ssh"])
    report = proxguard.audit(snap, profile="extended", now=0)
    finding = report.finding("apt-channel")
    assert finding.status.value == "not_evaluated"
