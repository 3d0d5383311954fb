"""What a hostile config cannot do to the outputs (issue 10, item 8, the output side).

Terminal escapes never reach a text output raw; raw HTML from a config is escaped in the
Markdown report; a malformed `--compare` report is a one-line error with exit 2; a dry run
leaves no scratch file behind; SARIF URIs are URI-encoded; the firewall tab never builds a
CSS selector from data.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import EXAMPLES, Sandbox

import proxguard
from proxguard.remediation.plan import Context, combine, plan

REPO = Path(__file__).resolve().parent.parent
ESC = "\x1b]0;owned\x07\x1b[2J\x9b31m"
# the Match criterion is one word to sshd, so it reaches evidence, reports and scripts
SSHD = ("PermitRootLogin yes\nPasswordAuthentication yes\n"
        f"Match User x{ESC}<script>alert(1)</script>\n    PasswordAuthentication yes\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proxguard", *args], capture_output=True,
                          text=True, check=False, timeout=120)


@pytest.fixture()
def hostile_snapshot(tmp_path: Path) -> Path:
    ssh = tmp_path / "host" / "etc" / "ssh"
    ssh.mkdir(parents=True)
    (ssh / "sshd_config.d").mkdir()
    (ssh / "sshd_config.d" / "a b#c%.conf").write_text("MaxAuthTries 9\n", encoding="utf-8")
    (ssh / "sshd_config").write_text("Include /etc/ssh/sshd_config.d/*.conf\n" + SSHD,
                                     encoding="utf-8")
    return tmp_path / "host"


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit"])
def test_text_outputs_carry_no_control_characters(hostile_snapshot: Path, fmt: str) -> None:
    res = _cli("audit", str(hostile_snapshot), "--format", fmt)
    assert res.returncode in (0, 1), res.stderr
    assert "owned" in res.stdout  # the hostile text is shown…
    assert _CONTROL.findall(res.stdout.replace("\n", "").replace("\t", "")) == []  # …escaped
    assert "\\x1b" in res.stdout


def test_the_fix_script_carries_no_control_characters(hostile_snapshot: Path) -> None:
    res = _cli("fix", str(hostile_snapshot), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert _CONTROL.findall(res.stdout.replace("\n", "").replace("\t", "")) == []


def test_markdown_escapes_raw_html_from_configs(hostile_snapshot: Path) -> None:
    res = _cli("audit", str(hostile_snapshot), "--format", "markdown")
    assert "alert(1)" in res.stdout
    assert "<script>" not in res.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.stdout


@pytest.mark.parametrize("old", [
    {"schema": "proxguard-report/1", "findings": [{"targets": [{"id": "host"}]}]},
    {"schema": "proxguard-report/1", "findings": "nope"},
    {"schema": "proxguard-report/1", "categories": [{"id": "ssh", "score": "90"}],
     "score": 50},
    {"schema": "proxguard-report/1", "inputs": [{"sha256": "x"}]},
    {"schema": "proxguard-report/1", "findings": [{"rule": "r", "targets": [None]}]},
])
def test_compare_with_a_malformed_report_is_one_line_and_exit_2(tmp_path: Path,
                                                                old: dict[str, object]) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    res = _cli("audit", str(EXAMPLES / "fresh-install"), "--compare", str(path))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("proxguard: ") and "old.json" in res.stderr


def test_a_dry_run_leaves_no_scratch_files(tmp_path: Path) -> None:
    """The sshd fixes build the new file in a mktemp file; in a dry run `rm` only prints,
    so the script must remove its own scratch files itself."""
    report = proxguard.audit(proxguard.load_snapshot([EXAMPLES / "fresh-install"]),
                             profile="extended", now=1767225600)
    script = combine(plan(report.findings), Context("t", "extended", 1767225600),
                     dry_run=True)
    box = Sandbox.create(tmp_path / "box", EXAMPLES / "fresh-install")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    res = box.run(script, TMPDIR=str(scratch))
    assert "[dry-run] would run: install" in res.stdout  # the mktemp path was taken
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_sarif_uris_are_uri_encoded(hostile_snapshot: Path) -> None:
    res = _cli("audit", str(hostile_snapshot), "--format", "sarif")
    sarif = json.loads(res.stdout)
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in sarif["runs"] for r in run["results"] for loc in r.get("locations", [])]
    assert "etc/ssh/sshd_config.d/a%20b%23c%25.conf" in uris
    assert all(re.fullmatch(r"[A-Za-z0-9/._~%!$&'()*+,;=:@-]+", u) for u in uris), uris


def test_web_scripts_never_build_a_selector_from_data() -> None:
    """A rule id holding `"` (or `]`) must not break the page: selectors are constant or
    CSS.escape'd; elements are found by comparing dataset values."""
    offenders = []
    for path in sorted((REPO / "web").glob("*.js")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for call in re.finditer(r"(?:\$\$?|querySelector(?:All)?|closest|matches)\(\s*`([^`]*)`",
                                    line):
                if re.search(r"\$\{(?!CSS\.escape\()", call.group(1)):
                    offenders.append(f"{path.name}:{n}: {line.strip()}")
            if re.search(r"(?:\$\$?|querySelector(?:All)?|closest|matches)\(\s*([\"'])[^\"']*\1\s*\+",
                         line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []
