"""Every output format, byte for byte, on the demos and on a hostile snapshot.

The JSON goldens (test_demos.py) pin the verdicts; this pins what each renderer makes of
them, so a change to how a renderer escapes, streams or bounds its output cannot change a
small report unnoticed. Pinned as SHA-256 digests (tests/golden/render-digests.json);
on a mismatch the output is written beside the test's temporary directory for a diff.
Regenerate deliberately with PROXGUARD_REGEN=1 and list what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.engine import report as report_mod
from proxguard.engine.profiles import PROFILES
from proxguard.engine.scoring import score
from proxguard.inputs import Snapshot
from proxguard.remediation.scripts import RemediationError, render_finding
from proxguard.render import FORMATS, SHOWS_SCRIPTS, render, write
from proxguard.render.escape import write_lines

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = Path(__file__).parent / "golden" / "render-digests.json"
NOW = 1793491200
ESC = "\x1b]0;owned\x07\x1b[2J\x9b31m"
HOSTILE = {
    "etc/ssh/sshd_config": "PermitRootLogin yes\nPasswordAuthentication yes\n"
    f"Match User x{ESC}<script>alert(1)</script>$(id)'\"\n    PasswordAuthentication yes\n",
    "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n\n[RULES]\n"
    "IN ACCEPT -source 10.0.0.1 -p tcp -dport 22 # <b>\u2028$(id)'\x1b[2J\n",
}
CASES = [(demo, profile) for demo in ("fresh-install", "hardened", "agent-lab")
         for profile in ("extended", "compat")] + [("hostile", "extended")]


def _report(demo: str, profile: str) -> dict:
    snap = (Snapshot.from_texts(HOSTILE) if demo == "hostile"
            else proxguard.load_snapshot([ROOT / "examples" / demo]))
    return proxguard.audit(snap, profile=profile, now=NOW).to_json()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize(("demo", "profile"), CASES)
def test_every_format_unchanged(demo: str, profile: str, tmp_path: Path) -> None:
    report = _report(demo, profile)
    want = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    got = {}
    for fmt in FORMATS:
        text = render(report, fmt)
        streamed = io.StringIO()
        write(report, fmt, streamed)
        assert streamed.getvalue() == text, f"{fmt}: the streamed output differs"
        got[f"{demo}.{profile}.{fmt}"] = _digest(text)
        if want.get(f"{demo}.{profile}.{fmt}") != got[f"{demo}.{profile}.{fmt}"]:
            (tmp_path / f"{demo}.{profile}.{fmt}").write_text(text, errors="surrogatepass")
    if os.environ.get("PROXGUARD_REGEN"):
        DIGESTS.write_text(json.dumps({**want, **got}, indent=1, sort_keys=True) + "\n")
        return
    changed = sorted(k for k, v in got.items() if want.get(k) != v)
    assert not changed, f"outputs changed: {changed} (written to {tmp_path})"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=" \ta\n\u00a0\u3000x", max_size=4), max_size=8))
def test_write_lines_equals_join_then_rstrip(lines: list[str]) -> None:
    """The streamed form of the text renderers' `"\\n".join(lines).rstrip() + "\\n"`."""
    out = io.StringIO()
    write_lines(iter(lines), out)
    assert out.getvalue() == "\n".join(lines).rstrip() + "\n"


@pytest.mark.parametrize(("demo", "profile"), CASES)
def test_formats_without_scripts_render_the_same_without_them(demo: str, profile: str
                                                              ) -> None:
    """The CLI hands text, SARIF, JUnit and Markdown a report whose scripts were never
    rendered (Report.to_json(scripts=False)): they must print exactly what they print from
    the full report, and filling the scripts afterwards gives the full report."""
    snap = (Snapshot.from_texts(HOSTILE) if demo == "hostile"
            else proxguard.load_snapshot([ROOT / "examples" / demo]))
    lazy = proxguard.audit(snap, profile=profile, now=NOW)
    partial = lazy.to_json(scripts=False)
    pending = [f["rule"] for f in partial["findings"] if f["remediation"]["script"] is None]
    assert pending == [f["rule"] for f in partial["findings"] if f["status"] == "fail"
                       or any(t["status"] == "fail" for t in f["targets"])]
    full = _report(demo, profile)
    for fmt in sorted(set(FORMATS) - SHOWS_SCRIPTS):
        assert render(partial, fmt) == render(full, fmt), fmt
    assert json.dumps(lazy.to_json()) == json.dumps(full)
    assert lazy.to_json(scripts=False) is lazy.to_json()  # filled in place, once


def test_a_template_error_found_late_is_reported_as_before(monkeypatch) -> None:
    """A script that fails to render leaves "" and a diagnostic after every other one, in
    finding order, whether the scripts are rendered with the report or when asked for."""

    def failing(finding, targets=None):
        if finding.rule.id == "root-ssh-password" or finding.rule.id.startswith("ssh"):
            raise RemediationError(f"{finding.rule.id}: broken")
        return render_finding(finding, targets)

    monkeypatch.setattr(report_mod, "render_finding", failing)
    snap = proxguard.load_snapshot([ROOT / "examples" / "fresh-install"])
    lazy = proxguard.audit(snap, profile="extended", now=NOW)
    before = len(lazy.to_json(scripts=False)["diagnostics"])
    data = lazy.to_json()
    added = data["diagnostics"][before:]
    assert added and all("remediation template error" in d["message"] for d in added)
    broken = [f for f in data["findings"] if f["rule"] == "root-ssh-password"
              or f["rule"].startswith("ssh")]
    assert any(f["status"] == "fail" for f in broken)
    assert all(f["remediation"]["script"] == "" for f in broken if f["status"] == "fail")
    eager = report_mod.build_report(lazy.host, proxguard.engine.profiles.PROFILES["extended"],
                                    lazy.findings, *_scores(lazy))
    assert eager["diagnostics"][-len(added):] == added


def _scores(report: proxguard.Report) -> tuple[object, object]:
    prof = PROFILES[report.data["profile"]]
    return (score(report.findings, prof, honour_acceptances=True),
            score(report.findings, prof, honour_acceptances=False))
