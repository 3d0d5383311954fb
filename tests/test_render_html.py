"""The HTML report: hostile config text stays inert, every status is shown for what it is,
and the standalone page needs nothing from the network.

The hand-made report below follows the proxguard-report/1 schema (DESIGN.md §4, §7) and
carries an XSS payload in every field that is copied from user input.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import proxguard
from proxguard.render import render
from proxguard.render.environment import inline_code
from proxguard.render.html import render_fragment, render_report, view_model

ROOT = Path(__file__).resolve().parent.parent
XSS = '<script>alert("pg")</script><img src=x onerror=alert(1)>'
ZERO = {"pass": 0, "fail": 0, "accepted": 0, "not_applicable": 0, "not_evaluated": 0}


def _target(tid: str, status: str, **extra: object) -> dict:
    return {"id": tid, "status": status, "severity": "high", "evidence": f"evidence of {tid}",
            "file": "etc/pve/lxc/1.conf", "line": 0, **extra}


def _finding(rule: str, category: str, status: str, severity: str, targets: list[dict],
             **extra: object) -> dict:
    return {"rule": rule, "title": f"Title of {rule}", "category": category,
            "severity": severity, "effective_severity": severity, "status": status,
            "references": [{"source": "CIS Debian 12 v1.1.0", "id": "5.1.20",
                            "title": "Ensure sshd PermitRootLogin is disabled"}],
            "rationale": f"Why {rule} matters.", "targets": targets,
            "remediation": {"summary": "Run `pct set 110 --unprivileged 1` then check.",
                            "script": f"#!/usr/bin/env bash\n# fix {rule}\nset -eu\n"
                            if any(t["status"] == "fail" for t in targets) else ""},
            **extra}


def sample_report() -> dict:
    return {
        "schema": "proxguard-report/1", "tool": {"name": "proxguard", "version": "9.9.9"},
        "profile": "extended", "grade": "C", "score": 72, "coverage": 0.5,
        "score_without_acceptances": 61, "grade_without_acceptances": "D",
        "summary": {"rules": 6, "fail": 2, "pass": 1, "accepted": 1, "not_applicable": 1,
                    "not_evaluated": 1, "failing_targets": 2, "accepted_targets": 1},
        "categories": [
            {"id": "ssh", "weight": 25, "score": 60, "grade": "D", "assessed": True,
             "counts": {**ZERO, "fail": 2, "pass": 1}},
            {"id": "firewall", "weight": 25, "score": None, "grade": None, "assessed": False,
             "counts": {**ZERO, "not_evaluated": 1}},
            {"id": "auth", "weight": 20, "score": None, "grade": None, "assessed": False,
             "counts": dict(ZERO)},
            {"id": "container", "weight": 15, "score": 90, "grade": "A", "assessed": True,
             "counts": {**ZERO, "accepted": 1, "not_applicable": 1}},
            {"id": "storage", "weight": 10, "score": None, "grade": None, "assessed": False,
             "counts": dict(ZERO)},
            {"id": "api", "weight": 5, "score": None, "grade": None, "assessed": False,
             "counts": dict(ZERO)},
        ],
        "findings": [
            _finding("ssh-default-port", "ssh", "fail", "medium",
                     [_target("host", "fail", file="etc/ssh/sshd_config", line=3,
                              source="Port 22")]),
            _finding("root-ssh-password", "ssh", "fail", "critical",
                     [_target("host", "fail", evidence=f"PermitRootLogin yes {XSS}",
                              file="etc/ssh/sshd_config", line=7,
                              source=f"PermitRootLogin yes # {XSS}",
                              conditional="Match Address 10.0.0.0/8")]),
            _finding("high-max-auth-tries", "ssh", "pass", "medium",
                     [_target("host", "pass", evidence="MaxAuthTries 3")]),
            _finding("firewall-disabled", "firewall", "not_evaluated", "critical", [],
                     missing_inputs=["firewall.cluster"]),
            _finding("privileged-containers", "container", "accepted", "high",
                     [_target("ct/110", "accepted",
                              acceptance={"reason": f"backup server {XSS}",
                                          "expires": "2027-06-30"}),
                      _target("ct/100", "pass", evidence="unprivileged: 1")]),
            _finding("container-nesting", "container", "not_applicable", "medium", []),
        ],
        "firewall": {"rules": [], "conflicts": [
            {"type": "shadowing", "rule": "fw/cluster/rule/4", "by": ["fw/cluster/rule/1"],
             "example": {"proto": "tcp", "dport": 22}}]},
        "acceptances": {"applied": [], "stale": [
            {"rule": "container-nesting", "target": "ct/999", "reason": "old"}]},
        "diagnostics": [{"file": "etc/ssh/sshd_config", "line": 9, "level": "warning",
                         "message": f"unknown keyword {XSS}"}],
        "inputs": [{"path": "etc/ssh/sshd_config", "kind": "sshd_config", "sha256": "0" * 64},
                   {"path": f"pasted/{XSS}", "kind": "unknown", "sha256": "1" * 64}],
        "audit_time": 1767225600,
    }


class _TagBalance(HTMLParser):
    """Counts open/close tags so a template typo that leaves a tag open fails a test."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "circle", "rect"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts = 0
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.extend(attrs)
        if tag == "script":
            self.scripts += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _parse(html: str) -> _TagBalance:
    p = _TagBalance()
    p.feed(html)
    p.close()
    return p


def _finding_block(html: str, rule: str) -> str:
    m = re.search(rf'<details class="pg-finding[^"]*" id="finding-{rule}".*?</details>', html,
                  re.S)
    assert m, rule
    return m.group(0)


def test_xss_payload_is_escaped_everywhere() -> None:
    for html in (render_fragment(sample_report()), render_report(sample_report())):
        parsed = _parse(html)
        assert parsed.scripts == 0
        assert not [a for a, _ in parsed.attrs if a.startswith("on")]
        assert "<script>" not in html and "<img src=x" not in html
        # the payload is still visible, as text, in evidence, source, acceptance, diag, input
        assert html.count("&lt;script&gt;alert(&#34;pg&#34;)&lt;/script&gt;") == 5


def test_fragment_is_well_formed() -> None:
    parsed = _parse(render_fragment(sample_report()))
    assert parsed.errors == [] and parsed.stack == []


def test_grade_gauge_and_coverage() -> None:
    html = render_fragment(sample_report())
    assert re.search(r'<span class="pg-gauge-letter" id="grade"[^>]*>C</span>', html)
    assert "<strong>72</strong> / 100" in html
    assert "2 of 6 categories assessed" in html and "rule coverage 50 %" in html
    # the arc is 72 % of the circumference (2π·52 = 326.73)
    assert 'stroke-dasharray="235.24 326.73"' in html
    assert "Without acceptances: grade D (61 / 100); 1 accepted target(s)." in html
    assert '<rect class="pg-bar-fill" x="0" y="0" width="60" height="6" rx="3"/>' in html


def test_every_status_rendered_with_its_label() -> None:
    html = render_fragment(sample_report())
    expected = {"ssh-default-port": "failed", "root-ssh-password": "failed",
                "high-max-auth-tries": "passed", "firewall-disabled": "not assessed",
                "privileged-containers": "accepted", "container-nesting": "not applicable"}
    for rule, label in expected.items():
        block = _finding_block(html, rule)
        badge = re.search(r'<summary>\s*<span class="pg-badge st-\w+">([^<]+)</span>', block)
        assert badge and badge.group(1) == label, rule


def test_not_evaluated_never_shown_as_pass() -> None:
    html = render_fragment(sample_report())
    block = _finding_block(html, "firewall-disabled")
    assert "passed" not in block and "st-pass" not in block
    assert "<strong>Not assessed</strong> — this is not a pass." in block
    assert "Supply cluster.fw (etc/pve/firewall/cluster.fw) to assess it." in block
    # the unassessed category card says so instead of showing a score
    card = re.search(r'<li class="pg-card g-none pg-unassessed">.*?Firewall.*?</li>', html, re.S)
    assert card and "not assessed" in card.group(0) and "/ 100" not in card.group(0)


def test_findings_grouped_by_status_then_severity() -> None:
    html = render_fragment(sample_report())
    ssh = html[html.index('id="cat-ssh"'):html.index('id="cat-firewall"')]
    assert ssh.index("Failing (2)") < ssh.index("Passed (1)")
    # critical before medium among the failures, though the report lists medium first
    assert ssh.index('id="finding-root-ssh-password"') < ssh.index('id="finding-ssh-default-port"')


def test_evidence_location_source_line_and_condition() -> None:
    block = _finding_block(render_fragment(sample_report()), "root-ssh-password")
    assert '<code class="pg-where">etc/ssh/sshd_config:7</code>' in block
    assert '<span class="pg-lineno">7</span>PermitRootLogin yes # &lt;script&gt;' in block
    assert "only for Match Address 10.0.0.0/8" in block
    assert "CIS Debian 12 v1.1.0 <strong>5.1.20</strong>" in block
    line0 = _finding_block(render_fragment(sample_report()), "privileged-containers")
    assert "etc/pve/lxc/1.conf (whole file)" in line0
    assert "Accepted: backup server &lt;script&gt;" in line0 and "(until 2027-06-30)" in line0


def test_remediation_script_with_copy_button_only_in_the_page() -> None:
    frag = _finding_block(render_fragment(sample_report()), "root-ssh-password")
    assert 'data-copy="finding-root-ssh-password-script"' in frag
    assert '<pre class="pg-script" id="finding-root-ssh-password-script" tabindex="0"><code>' \
           "#!/usr/bin/env bash\n# fix root-ssh-password\nset -eu\n</code></pre>" in frag
    assert "Run <code>pct set 110 --unprivileged 1</code> then check." in frag
    assert "class=\"pg-copy\"" not in render_report(sample_report())


def test_diagnostics_conflicts_stale_and_inputs_listed() -> None:
    html = render_fragment(sample_report())
    assert "Diagnostics (1)" in html
    assert '<code class="pg-where">etc/ssh/sshd_config:9</code> unknown keyword &lt;script&gt;' in html
    assert "<code>fw/cluster/rule/4</code> by <code>fw/cluster/rule/1</code>" in html
    assert "example packet <code>proto=tcp dport=22</code>" in html
    assert "<code>container-nesting</code> on <code>ct/999</code> matches no failing target" in html
    assert "<code>etc/ssh/sshd_config</code> — sshd_config" in html


def test_standalone_page_is_self_contained() -> None:
    page = render_report(sample_report())
    assert page.startswith("<!doctype html>")
    assert "<title>ProxGuard report — grade C</title>" in page
    assert re.findall(r'(?:src|href)="(?!#)[^"]*"', page) == []
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page
    assert "judged at 2026-01-01 00:00 UTC" in page
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []


def test_nothing_assessed_report() -> None:
    report = sample_report()
    report.update(grade=None, score=None, coverage=0.0, findings=[], diagnostics=[],
                  inputs=[], firewall=None)
    for c in report["categories"]:
        c.update(score=None, grade=None, assessed=False, counts=dict(ZERO))
    html = render_fragment(report)
    assert re.search(r'id="grade"[^>]*>–</span>', html)
    assert "Not assessed" in html and "0 of 6 categories assessed" in html
    assert "No file was supplied." in html


def test_inline_code_escapes_and_handles_unbalanced_backticks() -> None:
    assert str(inline_code("a `<b>` c")) == "a <code>&lt;b&gt;</code> c"
    assert str(inline_code("odd ` tick <i>")) == "odd ` tick &lt;i&gt;"


def test_render_dispatch_and_real_engine_report() -> None:
    snap = proxguard.load_snapshot([ROOT / "examples" / "fresh-install"])
    data = proxguard.audit(snap, profile="compat", now=1767225600).to_json()
    page = render(data, "html")
    assert page == render_report(data)
    vm = view_model(data)
    failing = {f["rule"] for c in vm["categories"] for g in c["groups"] if g["status"] == "fail"
               for f in g["findings"]}
    assert failing == {f["rule"] for f in data["findings"] if f["status"] == "fail"}
    for rule in failing:
        assert f'id="finding-{rule}"' in page


def test_page_stylesheet_carries_the_report_css_verbatim() -> None:
    """web/style.css must hold report.css between its markers: the page and the standalone
    report share one look. After editing report.css.j2, copy it into web/style.css."""
    css = (ROOT / "proxguard/render/templates/report.css.j2").read_text()
    page = (ROOT / "web/style.css").read_text()
    begin, end = "/* BEGIN report.css */\n", "/* END report.css */"
    assert begin in page and end in page
    assert page[page.index(begin) + len(begin):page.index(end)] == css
