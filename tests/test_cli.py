"""The CLI contract: formats, thresholds and exit codes 0/1/2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from proxguard.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOW = "1793491200"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proxguard", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_json_report_follows_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(EXAMPLES / "agent-lab"), "--format", "json", "--now", NOW]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "proxguard-report/1"
    assert {"grade", "score", "coverage", "categories", "findings", "diagnostics",
            "inputs", "firewall"} <= set(data)
    assert [c["id"] for c in data["categories"]] == ["ssh", "firewall", "auth", "container",
                                                     "storage", "api"]


def test_sarif_has_one_result_per_failing_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(EXAMPLES / "fresh-install"), "--format", "sarif", "--now", NOW]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    main(["audit", str(EXAMPLES / "fresh-install"), "--format", "json", "--now", NOW])
    report = json.loads(capsys.readouterr().out)
    failing = [(f["rule"], t["id"]) for f in report["findings"] for t in f["targets"]
               if t["status"] == "fail"]
    assert sorted((r["ruleId"], r["properties"]["target"]) for r in run["results"]) == sorted(failing)
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith(("etc/", "commands/"))
    assert all(rule["help"]["text"] for rule in run["tool"]["driver"]["rules"])


def test_thresholds_set_exit_code_1(tmp_path: Path) -> None:
    fresh = str(EXAMPLES / "fresh-install")
    assert _run("audit", fresh, "--fail-on", "critical", "--now", NOW).returncode == 1
    assert _run("audit", fresh, "--min-grade", "D", "--now", NOW).returncode == 1
    hardened = str(EXAMPLES / "hardened")
    assert _run("audit", hardened, "--fail-on", "low", "--min-grade", "A", "--now", NOW).returncode == 0


@pytest.mark.parametrize("args", [
    ["audit", "/nonexistent/path"],
    ["audit", "README.md"],
    ["audit"],
    ["audit", "examples/hardened", "--format", "nope"],
    ["explain", "no-such-rule"],
])
def test_bad_usage_exits_2_with_one_line(args: list[str]) -> None:
    res = _run(*args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.strip()


def test_acceptances_file_is_applied_and_stale_ones_reported(tmp_path: Path) -> None:
    acc = tmp_path / "accept.toml"
    acc.write_text('[[accept]]\nrule = "privileged-containers"\ntarget = "ct/110"\n'
                   'reason = "PBS needs UID-preserving chunk store"\n\n'
                   '[[accept]]\nrule = "privileged-containers"\ntarget = "ct/999"\n'
                   'reason = "gone"\n')
    res = _run("audit", "examples/agent-lab", "--accept", str(acc), "--format", "json",
               "--now", NOW)
    data = json.loads(res.stdout)
    priv = next(f for f in data["findings"] if f["rule"] == "privileged-containers")
    assert priv["status"] == "accepted"
    assert [a["target"] for a in data["acceptances"]["stale"]] == ["ct/999"]
    assert data["score_without_acceptances"] <= data["score"]


def test_the_agent_lab_ships_its_documented_exceptions() -> None:
    data = json.loads(_run("audit", "examples/agent-lab", "--accept",
                           "examples/agent-lab/acceptances.toml", "--format", "json",
                           "--now", NOW).stdout)
    status = {f["rule"]: f["status"] for f in data["findings"]}
    assert status["privileged-containers"] == status["container-nesting"] == "accepted"
    assert [(a["rule"], a["target"]) for a in data["acceptances"]["applied"]] == [
        ("privileged-containers", "ct/110"), ("container-nesting", "ct/104"),
        ("container-nesting", "ct/105"),
        *[("backup-coverage", f"ct/{v}") for v in (120, 121, 122)]]
    assert data["acceptances"]["stale"] == []
    # the sandboxes' backups are accepted, the PBS container's is not: it still fails
    coverage = next(f for f in data["findings"] if f["rule"] == "backup-coverage")
    assert [t["id"] for t in coverage["targets"] if t["status"] == "fail"] == ["ct/110"]
    assert (data["grade"], data["score"]) == ("B", 86)
    assert (data["grade_without_acceptances"], data["score_without_acceptances"]) == ("B", 81)


def test_acceptance_without_reason_is_rejected_with_a_diagnostic(tmp_path: Path) -> None:
    acc = tmp_path / "accept.toml"
    acc.write_text('[[accept]]\nrule = "privileged-containers"\ntarget = "ct/110"\n')
    data = json.loads(_run("audit", "examples/agent-lab", "--accept", str(acc), "--format",
                           "json", "--now", NOW).stdout)
    priv = next(f for f in data["findings"] if f["rule"] == "privileged-containers")
    assert priv["status"] == "fail"
    assert any("reason is required" in d["message"] for d in data["diagnostics"])


def test_rules_and_explain() -> None:
    out = _run("rules", "--profile", "compat", "--format", "json")
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 16
    ex = _run("explain", "root-ssh-password")
    assert ex.returncode == 0 and "root-ssh-password" in ex.stdout


def test_compare_with_a_saved_report(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(_run("audit", "examples/fresh-install", "--format", "json", "--now",
                        NOW).stdout)
    res = _run("audit", "examples/hardened", "--compare", str(old), "--format", "json",
               "--now", NOW)
    cmp = json.loads(res.stdout)["comparison"]
    assert cmp["grade"] == {"before": "F", "after": "A"}
    assert {"rule": "root-ssh-password", "target": "host"} in cmp["fixed"]
    assert cmp["new"] == []


def test_a_render_that_fails_halfway_leaves_the_previous_report(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    """-o writes beside the destination and renames: a crash mid-render must not leave a
    truncated report that a pipeline would take as complete."""
    import proxguard.cli.commands as commands

    out = tmp_path / "report.json"
    out.write_text("previous\n", encoding="utf-8")

    def broken(data: dict, fmt: str, fh: Any) -> None:
        fh.write('{"schema": "proxguard-report/1", ')
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(commands, "write", broken)
    with pytest.raises(RuntimeError):
        commands._write({}, "json", str(out))
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp left
    monkeypatch.undo()
    commands._write({"schema": "proxguard-report/1"}, "json", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["schema"] == "proxguard-report/1"
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
