"""The fix-all script: safe order, per-fix isolation and reporting, the failure rule, the
dry run, and the whole loop on the demo snapshots (fix → re-audit → grade moves)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import EXAMPLES, Sandbox, bash_n, shellcheck

import proxguard
from proxguard.cli.fix import add_fix_parser
from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.plan import Context, combine, plan
from proxguard.rule import Remediation, Rule, Severity, Status, TargetResult, Tuning

NOW = 1767225600


def _finding(rule_id: str, category: str, template: str, *targets: str) -> Finding:
    rule = Rule(id=rule_id, title=rule_id, category=category, references=(), inputs=(),
                rationale="", docs="", remediation=Remediation("fix", template),
                check=lambda h, p: [], profiles={"extended": Tuning(Severity.HIGH)})
    outs = [TargetOutcome(TargetResult(t, Status.FAIL, "bad", facts={"name": t}), Status.FAIL,
                          Severity.HIGH) for t in targets]
    return Finding(rule, Severity.HIGH, Status.FAIL, outs)


def _script(body: str) -> str:
    return ("#!/usr/bin/env bash\n# What it changes: x\n# Disruption: none\n# Undo: y\n"
            "set -eu\n" + body)


def test_phases_put_accepts_before_port_before_policy_before_enable() -> None:
    t = _script("echo {{ facts.name }}\n")
    findings = [_finding("container-nesting", "container", t, "ct/100", "ct/99"),
                _finding("firewall-disabled", "firewall", t, "host"),
                _finding("ssh-default-port", "ssh", t, "host"),
                _finding("default-accept-input", "firewall", t, "host"),
                _finding("root-ssh-password", "ssh", t, "host"),
                _finding("no-token-expiry", "api", t, "token/a@pve!x"),
                _finding("no-firewall-rules", "firewall", t, "host")]
    order = [f.label for f in plan(findings)]
    assert order == ["no-firewall-rules host", "root-ssh-password host",
                     "ssh-default-port host", "default-accept-input host",
                     "firewall-disabled host", "no-token-expiry token/a@pve!x",
                     "container-nesting ct/99", "container-nesting ct/100"]
    assert [f.label for f in plan(findings, ["container-nesting"])] == [
        "container-nesting ct/99", "container-nesting ct/100"]


def _run(findings: list[Finding], tmp_path: Path, dry: bool = False, **env: str):
    script = combine(plan(findings), Context("test", "extended", NOW), dry_run=dry)
    assert bash_n(script) == "" and shellcheck(script) == "", shellcheck(script)
    return Sandbox.create(tmp_path).run(script, **env)


def test_nothing_to_do_exit_0_ends_only_its_own_fix(tmp_path: Path) -> None:
    findings = [_finding("container-nesting", "container",
                         _script('NAME={{ facts.name | shquote }}\nif [ -n "$NAME" ]; then\n'
                                 '    echo "nothing to do for {{ facts.name }}"\n    exit 0\nfi\n'
                                 'echo never\n'), "ct/1", "ct/2"),
                _finding("cifs-world-readable", "storage", _script("echo fixed\n"), "storage/s")]
    res = _run(findings, tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("nothing to do for ct/") == 2 and "never" not in res.stdout
    assert "fixed" in res.stdout
    assert "ProxGuard fix-all: 3 ok, 0 failed, 0 not run (of 3)." in res.stdout


def test_failure_rule_later_phase_continues_guarded_phase_stops(tmp_path: Path) -> None:
    later = [_finding("container-nesting", "container", _script("false\necho after\n"), "ct/1"),
             _finding("cifs-world-readable", "storage", _script("echo storage-ran\n"), "storage/s")]
    res = _run(later, tmp_path)
    assert res.returncode == 1
    assert "after" not in res.stdout.split("storage-ran")[0].split("ct/1")[-1]  # set -e held
    assert "storage-ran" in res.stdout
    assert "1 ok, 1 failed, 0 not run (of 2)" in res.stdout

    guarded = [_finding("no-firewall-rules", "firewall", _script("exit 3\n"), "host"),
               _finding("firewall-disabled", "firewall", _script("echo ENABLED\n"), "host"),
               _finding("container-nesting", "container", _script("echo ct-ran\n"), "ct/1")]
    res = _run(guarded, tmp_path / "g")
    assert res.returncode == 1
    assert "ENABLED" not in res.stdout and "ct-ran" not in res.stdout
    assert "FAILED (exit 3): no-firewall-rules host" in res.stderr
    assert "0 ok, 1 failed, 2 not run (of 3)" in res.stdout
    assert "not run  firewall-disabled host" in res.stdout


def test_dry_run_prints_changing_commands_and_runs_reads(tmp_path: Path) -> None:
    box = Sandbox.create(tmp_path, EXAMPLES / "agent-lab")
    report = box.audit("extended", NOW)
    script = combine(plan(report.findings, ["container-nesting"]),
                     Context("agent-lab", "extended", NOW), dry_run=True)
    before = box.files()
    res = box.run(script)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "[dry-run] would run: pct set 104 --features keyctl=1,nesting=0" in res.stdout
    assert "[dry-run] would run: pct set 105 --features keyctl=1,nesting=0" in res.stdout
    assert "Dry run: nothing was changed." in res.stdout
    assert box.mutations() == []
    assert [c for c in box.calls() if c.startswith("R pct config")] != []
    assert box.files() == before
    # the same script, told not to dry-run, applies
    applied = box.run(script, PROXGUARD_DRY_RUN="0")
    assert applied.returncode == 0
    assert box.mutations() == ["pct set 104 --features keyctl=1,nesting=0",
                               "pct set 105 --features keyctl=1,nesting=0"]


def _fix_cli(*argv: str, out: Path) -> int:
    p = argparse.ArgumentParser(prog="proxguard")
    add_fix_parser(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(["fix", *argv, "-o", str(out), "--now", str(NOW)])
    return int(args.func(args))


def test_fresh_install_dry_run_changes_nothing_and_applied_moves_the_grade(
        tmp_path: Path) -> None:
    box = Sandbox.create(tmp_path, EXAMPLES / "fresh-install")
    dry, real = tmp_path / "dry.sh", tmp_path / "fix.sh"
    assert _fix_cli(str(box.root), "--dry-run", out=dry) == 0
    assert _fix_cli(str(box.root), out=real) == 0
    assert shellcheck(real.read_text()) == ""
    before_files, before = box.files(), box.audit("extended", NOW)

    res = box.run(dry.read_text())
    assert "[dry-run] would run:" in res.stdout, res.stdout + res.stderr
    assert "Dry run: nothing was changed." in res.stdout
    assert box.mutations() == [] and box.files() == before_files

    res = box.run(real.read_text(), PROXGUARD_CONFIRM="1")
    after = box.audit("extended", NOW)
    assert before.grade == "F"
    assert after.score is not None and before.score is not None
    assert after.score > before.score, (res.stdout, res.stderr)
    still = {(f.rule.id, t.result.id) for f in after.findings for t in f.failing}
    assert ("container-nesting", "ct/100") not in still
    assert ("firewall-disabled", "host") not in still


def test_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    from proxguard.cli.common import UsageError

    with pytest.raises(UsageError, match="unknown rule"):
        _fix_cli(str(EXAMPLES / "agent-lab"), "--rule", "no-such-rule", out=tmp_path / "x")


def test_nothing_to_fix_is_a_valid_script(tmp_path: Path) -> None:
    out = tmp_path / "fix.sh"
    assert _fix_cli(str(EXAMPLES / "hardened"), out=out) == 0
    text = out.read_text()
    assert "nothing to fix" in text and bash_n(text) == "" and shellcheck(text) == ""


def test_rendered_fix_all_for_each_demo_is_clean() -> None:
    for demo in ("fresh-install", "agent-lab"):
        for profile in ("compat", "extended"):
            report = proxguard.audit(proxguard.load_snapshot([EXAMPLES / demo]),
                                     profile=profile, now=NOW)
            script = combine(plan(report.findings), Context(demo, profile, NOW))
            assert bash_n(script) == "", (demo, profile)
            assert shellcheck(script) == "", (demo, profile, shellcheck(script))
