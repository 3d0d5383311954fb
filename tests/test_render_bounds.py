"""A report of a large host stays readable and bounded: what the HTML report lists of
each finding, and that nothing it leaves out is left out silently (issue 14).

Not timed: sizes only. The bound is per target: a passed target beyond the first
INLINE_TARGETS costs nothing, a failing one a compact row.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import proxguard
from proxguard.inputs import Snapshot
from proxguard.render.html import (
    INLINE_CONFLICTS,
    INLINE_SCRIPT_CHARS,
    INLINE_TARGETS,
    render_report,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import gen_fw
from test_render_html import _finding, _target, sample_report


def _big_report(passing: int, failing: int, script: str = "") -> dict:
    targets = [_target(f"rule/{i}", "pass", line=i + 1) for i in range(passing)]
    targets += [_target(f"bad/{i}$(id)'\"", "fail", line=10_000 + i) for i in range(failing)]
    targets.insert(3, _target("na/0", "not_applicable"))
    report = sample_report()
    big = _finding("fw-big", "firewall", "fail", "high", targets)
    if script:
        big["remediation"]["script"] = script
    report["findings"] = [big, *report["findings"]]
    return report


def test_every_failing_target_listed_with_its_location_and_passes_counted() -> None:
    html = render_report(_big_report(passing=5000, failing=400))
    for i in range(400):  # each failing object, escaped, with its file:line
        assert f"bad/{i}$(id)&#39;&#34;" in html
        assert f"etc/pve/lxc/1.conf:{10_000 + i}</code>" in html
    assert f"{400 - INLINE_TARGETS} more targets that need attention" in html
    assert f"Not listed here: {5000 - INLINE_TARGETS} more passed targets." in html
    assert "rule/24<" in html and "rule/25<" not in html  # the first 25 passes in full
    assert ">na/0<" in html  # a single not-applicable target is shown, not counted
    assert '<span class="pg-n">400 failing</span>' in html
    assert "Remediation script (400 targets)" in html


def test_html_size_is_bounded_per_listed_target() -> None:
    small = len(render_report(_big_report(passing=100, failing=100)))
    many_passes = len(render_report(_big_report(passing=20_000, failing=100)))
    many_fails = len(render_report(_big_report(passing=100, failing=2_100)))
    assert many_passes - small < 100  # passes beyond the first 25 cost nothing but a number
    # a compact row (~160 bytes with these ids) and its id in the filter text per target
    assert (many_fails - small) / 2000 < 300


def test_a_long_script_is_withheld_whole_with_where_to_get_it() -> None:
    script = "#!/bin/sh\n" + "echo fix\n" * (INLINE_SCRIPT_CHARS // 9)
    html = render_report(_big_report(passing=10, failing=3, script=script))
    assert "echo fix" not in html  # never a cut script that could be copied and run
    assert re.search(r"Remediation script not shown:</strong> it is \d+ lines \(\d+ KiB\) "
                     r"for 3 targets", html)
    assert "proxguard fix PATH --rule fw-big -o fix.sh" in html


def test_a_generated_firewall_report_is_small_and_states_what_it_leaves_out() -> None:
    n = 3000
    report = proxguard.audit(Snapshot.from_texts(gen_fw(n)), profile="extended",
                             now=1767225600).to_json()
    html = render_report(report)
    targets = sum(len(f["targets"]) for f in report["findings"])
    assert targets > 3 * n
    assert len(html) < 300_000  # ~6 MB before: every target in full
    said = sum(int(m) for m in re.findall(r"(\d+) more passed targets?", html))
    passes = sum(max(0, sum(t["status"] == "pass" for t in f["targets"]) - INLINE_TARGETS)
                 for f in report["findings"])
    assert said == passes > 0
    conflicts = report["firewall"]["conflicts"]
    assert len(conflicts) > INLINE_CONFLICTS
    assert f"Not listed here: {len(conflicts) - INLINE_CONFLICTS} more conflicts (" in html
    assert html.count("<li><span class=\"pg-badge\">") == INLINE_CONFLICTS
    lockout = next(c for c in conflicts if c["type"] == "lockout-risk")  # proven ones first
    assert f"<code>{lockout['rule']}</code>" in html
    for f in report["findings"]:
        for t in f["targets"]:
            if t["status"] == "fail":
                assert t["id"] in html and f"{t['file']}:{t['line']}" in html
