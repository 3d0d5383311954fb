"""The SSH rules' remediation scripts: concrete, valid bash, idempotent, and they fix it.

Each script is rendered from a failing fixture, syntax-checked, then run against a copy
of the fixture's host tree (PROXGUARD_ROOT), twice; re-auditing the edited tree must
make the target pass, and the second run must change nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import proxguard
from proxguard.engine.run import Finding
from proxguard.remediation.scripts import render_target

FIX = Path(__file__).parent / "fixtures"

CASES = [
    ("root-ssh-password", "fail-pve-installer-yes", "compat", "host"),
    ("root-ssh-password", "fail-crlf-dropin", "compat", "host"),
    ("root-ssh-password", "fail-match-address-reenables", "compat", None),
    ("root-ssh-password", "fail-user-at-host-conditional", "compat", None),
    ("root-ssh-password", "fail-kbdint-pam-asks-password", "compat", "host"),
    ("root-ssh-password", "fail-match-scoped-allowusers", "extended", None),
    ("password-auth-enabled", "fail-default-yes", "extended", "host"),
    ("password-auth-enabled", "fail-kbdint-pam-asks-password", "compat", "host"),
    ("password-auth-enabled", "fail-user-at-host-conditional", "extended", None),
    ("password-auth-enabled", "fail-match-user-in-dropin", "extended", None),
    ("high-max-auth-tries", "fail-explicit-10", "extended", "host"),
    ("high-max-auth-tries", "fail-match-only-extended", "extended", None),
    ("ssh-default-port", "fail-default-no-port-line", "compat", "host"),
    ("ssh-default-port", "fail-ports-accumulate", "compat", "host"),
]


def _finding(root: Path, rule: str, profile: str) -> Finding:
    report = proxguard.audit(proxguard.load_snapshot([root]), profile=profile, now=1767225600)
    return next(f for f in report.findings if f.rule.id == rule)


def _tree(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("rule", "case", "profile", "target"), CASES)
def test_script_fixes_the_fixture_and_is_idempotent(tmp_path: Path, rule: str, case: str,
                                                    profile: str, target: str | None) -> None:
    root = tmp_path / "host"
    shutil.copytree(FIX / rule / case, root, ignore=shutil.ignore_patterns("expect.json"))
    finding = _finding(root, rule, profile)
    failing = [t for t in finding.failing if target is None or t.result.id == target]
    assert failing, f"{case}: nothing failing"
    outcome = failing[0]
    script = render_target(finding, outcome)
    assert "<" + "CTID>" not in script and "{{" not in script
    path = tmp_path / "fix.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", "-S", "warning", str(path)], check=True)
    env = {**os.environ, "PROXGUARD_ROOT": str(root), "PROXGUARD_CONFIRM": "1"}
    subprocess.run(["bash", str(path)], check=True, env=env, capture_output=True)
    after_first = {k: v for k, v in _tree(root).items() if ".proxguard-" not in k}
    subprocess.run(["bash", str(path)], check=True, env=env, capture_output=True)
    after_second = {k: v for k, v in _tree(root).items() if ".proxguard-" not in k}
    assert after_first == after_second
    fixed = _finding(root, rule, profile)
    status = {t.result.id: t.status.value for t in fixed.targets}
    if outcome.result.conditional:
        # the Match line is commented out: the block no longer sets the keyword
        assert outcome.result.id not in status, fixed.targets
        assert status["host"] == "pass"
    else:
        assert status[outcome.result.id] == "pass", fixed.targets


def test_port_script_needs_confirmation_and_warns_about_cluster(tmp_path: Path) -> None:
    root = tmp_path / "host"
    shutil.copytree(FIX / "ssh-default-port" / "fail-ports-accumulate", root,
                    ignore=shutil.ignore_patterns("expect.json"))
    finding = _finding(root, "ssh-default-port", "compat")
    script = render_target(finding, finding.failing[0])
    assert "port 22 (migration" in script and "firewall" in script
    assert "Port 2222" in script  # the port already configured is kept, not a made-up one
    before = _tree(root)
    env = {**os.environ, "PROXGUARD_ROOT": str(root)}
    env.pop("PROXGUARD_CONFIRM", None)
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "PROXGUARD_CONFIRM=1" in out.stdout
    assert _tree(root) == before


def test_conditional_targets_are_scored_one_step_lower() -> None:
    root = FIX / "password-auth-enabled" / "fail-match-address-reenables"
    finding = _finding(root, "password-auth-enabled", "extended")
    by_id = {t.result.id: t for t in finding.targets}
    cond = by_id["host/match/etc/ssh/sshd_config:2"]
    assert (cond.result.conditional, cond.severity.value) == ("Match Address 10.0.0.0/8", "medium")
    assert cond.result.evidence.startswith(
        "for connections matching Match Address 10.0.0.0/8 (etc/ssh/sshd_config:2): "
        "PasswordAuthentication yes (etc/ssh/sshd_config:3, first value wins)")


def test_evidence_names_file_line_and_default() -> None:
    root = FIX / "root-ssh-password" / "fail-pve-installer-yes"
    t = _finding(root, "root-ssh-password", "compat").targets[0].result
    assert t.evidence == ("root may log in with a password: PermitRootLogin yes "
                          "(etc/ssh/sshd_config:30, first value wins) and "
                          "PasswordAuthentication yes (default, no line sets it)")
    assert (t.file, t.line) == ("etc/ssh/sshd_config", 30)
