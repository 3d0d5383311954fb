"""Fleets: several hosts in one `proxguard audit` call are audited separately (never merged),
summarised one row per host, with JSON/SARIF/JUnit shapes per host and exit codes that
say whether any host hit a threshold or could not be read."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from proxguard.cli import fleet as fleet_cli
from proxguard.cli import main
from proxguard.engine import report as report_mod
from proxguard.fleet.hosts import HostInput, host_name, split_hosts
from proxguard.fleet.run import run_all
from proxguard.inputs import InputError, Snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FRESH, HARDENED, LAB = (str(EXAMPLES / d) for d in ("fresh-install", "hardened", "agent-lab"))
NOW = "1793491200"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    rc = main(["audit", *args, "--format", "json", "--now", NOW, "--jobs", "1"])
    return rc, json.loads(capsys.readouterr().out)


def _tarball(dest: Path, example: str, top: str) -> Path:
    """A collector-style tarball of an example host: <top>/etc/…, <top>/commands/…"""
    with tarfile.open(dest, "w:gz") as tar:
        for f in sorted((EXAMPLES / example).rglob("*")):
            if f.is_file():
                tar.add(f, arcname=f"{top}/{f.relative_to(EXAMPLES / example).as_posix()}")
    return dest


def test_two_host_directories_give_two_reports_each_equal_to_its_own_audit(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc, fleet = _json(capsys, FRESH, HARDENED)
    assert rc == 0
    assert fleet["schema"] == "proxguard-fleet/1"
    assert [(h["path"], h["grade"]) for h in fleet["hosts"]] == [(FRESH, "F"), (HARDENED, "A")]
    for h, path in zip(fleet["hosts"], (FRESH, HARDENED), strict=True):
        _, alone = _json(capsys, path)
        assert alone["schema"] == "proxguard-report/1"
        assert h["report"] == alone
        assert (h["grade"], h["score"]) == (alone["grade"], alone["score"])


def test_the_old_merge_is_gone(capsys: pytest.CaptureFixture[str]) -> None:
    from proxguard.engine.audit import audit

    # What the CLI used to do with two host directories: one snapshot of both trees, the
    # later tree's copy winning wherever both hold a file — a grade neither host has.
    merged = audit(Snapshot.from_paths([FRESH, HARDENED]), now=int(NOW)).to_json()
    assert any("given twice" in d["message"] for d in merged["diagnostics"])
    _, fleet = _json(capsys, FRESH, HARDENED)
    reports = [h["report"] for h in fleet["hosts"]]
    assert [r["grade"] for r in reports] == ["F", "A"]  # README: fresh-install F, hardened A
    # The merge's answer (an A or B for a fleet holding an F) is no host's report.
    assert merged["grade"] in ("A", "B")
    assert (merged["grade"], merged["score"]) not in [(r["grade"], r["score"]) for r in reports]
    assert not any("given twice" in d["message"] for r in reports for d in r["diagnostics"])
    for r, tree in zip(reports, (FRESH, HARDENED), strict=True):
        own = {p.relative_to(tree).as_posix() for p in Path(tree).rglob("*") if p.is_file()}
        assert {i["path"] for i in r["inputs"]} == own


def test_fleet_summary_counts_grades_and_failing_targets(capsys: pytest.CaptureFixture[str]) -> None:
    _, fleet = _json(capsys, FRESH, HARDENED, LAB)
    s = fleet["summary"]
    assert (s["hosts"], s["audited"], s["errors"], s["threshold_hit"]) == (3, 3, 0, 0)
    alone = [_json(capsys, path)[1]["grade"] for path in (FRESH, HARDENED, LAB)]
    assert [h["grade"] for h in fleet["hosts"]] == alone
    assert s["grades"] == {g: alone.count(g) for g in ("A", "B", "C", "D", "F")} | {"none": 0}
    assert s["worst_grade"] == "F"
    for h in fleet["hosts"]:
        failing = [t for f in h["report"]["findings"] for t in f["targets"] if t["status"] == "fail"]
        assert sum(h["failing"].values()) == len(failing)
        assert h["failing"]["critical"] == sum(t["severity"] == "critical" for t in failing)
        assert set(h) >= {"host", "path", "grade", "score", "report"}
    assert s["failing"] == {k: sum(h["failing"][k] for h in fleet["hosts"]) for k in s["failing"]}
    fresh = fleet["hosts"][0]
    assert [w["severity"] for w in fresh["worst"]][:2] == ["critical", "critical"]
    assert fresh["worst"][0]["rule"] == "root-ssh-password"


def test_a_directory_of_collector_tarballs_is_a_fleet_named_from_the_snapshots(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    _tarball(snaps / "a.tar.gz", "fresh-install", "proxguard-pve-fresh-20261130T081500Z")
    _tarball(snaps / "b.tgz", "hardened", "proxguard-pve-hard-20261130T081501Z")
    (snaps / "README.txt").write_text("not a host")
    rc = main(["audit", str(snaps), "--format", "json", "--now", NOW, "--jobs", "1"])
    captured = capsys.readouterr()
    fleet = json.loads(captured.out)
    assert rc == 0
    assert [(h["host"], h["kind"], h["grade"]) for h in fleet["hosts"]] == [
        ("pve-fresh", "tarball", "F"), ("pve-hard", "tarball", "A")]
    assert fleet["skipped"] == [f"{snaps}/README.txt: neither a collector tarball nor a host "
                                "root directory"]
    assert captured.err == f"proxguard: note: {snaps}/README.txt: neither a collector tarball " \
        "nor a host root directory\n"


def test_a_fleet_directory_of_one_host_still_gives_the_fleet_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(HARDENED, tmp_path / "hosts/alpha")
    _, fleet = _json(capsys, str(tmp_path / "hosts"))
    assert fleet["schema"] == "proxguard-fleet/1" and len(fleet["hosts"]) == 1
    _, forced = _json(capsys, HARDENED, "--fleet")
    assert forced["schema"] == "proxguard-fleet/1"
    assert forced["hosts"][0]["report"] == fleet["hosts"][0]["report"]


@pytest.mark.parametrize("make_args,message", [
    (lambda h: [str(h), str(h / "pve1")], "overlap"),
    (lambda h: [str(h / "pve1"), str(h / "pve1") + "/"], "overlap"),
    (lambda h: [str(h / "pve1"), str(h / "pve2"), str(h / "pve1/etc/pve/user.cfg")],
     "loose files given beside 2 hosts"),
    (lambda h: [str(h / "pve1"), "-"], "standard input (-) beside a host root"),
])
def test_overlapping_roots_and_unplaceable_loose_files_are_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], make_args, message: str) -> None:
    hosts = tmp_path / "hosts"
    shutil.copytree(FRESH, hosts / "pve1")
    shutil.copytree(HARDENED, hosts / "pve2")
    assert main(["audit", *make_args(hosts)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_loose_files_still_combine_into_one_host(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    loose = [str(EXAMPLES / "fresh-install/etc/ssh/sshd_config"),
             str(EXAMPLES / "fresh-install/etc/pve/user.cfg")]
    _, report = _json(capsys, *loose)
    assert report["schema"] == "proxguard-report/1"
    assert sorted(i["kind"] for i in report["inputs"]) == ["sshd_config", "user_cfg"]
    # One host root plus a loose file: still one host, as before.
    extra = tmp_path / "sshd-T.txt"
    extra.write_text("permitrootlogin yes\npasswordauthentication yes\n")
    _, joined = _json(capsys, HARDENED, str(extra))
    assert joined["schema"] == "proxguard-report/1"
    assert "sshd_T" in {i["kind"] for i in joined["inputs"]}


def test_thresholds_apply_to_every_host_and_the_exit_code_says_if_any_failed(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc, fleet = _json(capsys, FRESH, HARDENED, "--min-grade", "B")
    assert rc == 1
    assert [h["threshold_hit"] for h in fleet["hosts"]] == [True, False]
    assert fleet["summary"]["thresholds"] == {"fail_on": None, "min_grade": "B", "require": None}
    assert _json(capsys, FRESH, HARDENED, "--min-grade", "F")[0] == 0
    assert _json(capsys, HARDENED, LAB, "--fail-on", "high")[0] == 1  # agent-lab: one high
    assert _json(capsys, HARDENED, LAB, "--fail-on", "critical")[0] == 0


def test_require_applies_to_every_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ssh_only = tmp_path / "ssh-only"
    (ssh_only / "etc/ssh").mkdir(parents=True)
    shutil.copy(EXAMPLES / "hardened/etc/ssh/sshd_config", ssh_only / "etc/ssh/sshd_config")
    rc, fleet = _json(capsys, HARDENED, str(ssh_only), "--require", "firewall")
    assert rc == 1
    assert [h["threshold_hit"] for h in fleet["hosts"]] == [False, True]
    assert fleet["hosts"][1]["report"]["evidence"]["missing"]
    assert fleet["summary"]["thresholds"]["require"] == "firewall"
    assert _json(capsys, HARDENED, str(ssh_only), "--require", "ssh")[0] == 0
    assert _json(capsys, HARDENED, str(ssh_only), "--require", "none")[0] == 0


def test_an_unreadable_host_is_an_error_row_and_exit_2(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    rc, fleet = _json(capsys, FRESH, str(bad), "--min-grade", "F")
    assert rc == 2
    row = fleet["hosts"][1]
    assert (row["host"], row["grade"], row["report"]) == ("broken", None, None)
    assert "not a readable tar archive" in row["error"]
    assert fleet["hosts"][0]["grade"] == "F"  # the readable host is still reported
    assert fleet["summary"]["errors"] == 1


def test_serial_and_parallel_runs_give_the_same_document(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["audit", FRESH, HARDENED, LAB, "--format", "json", "--now", NOW]
    assert main([*args, "--jobs", "1"]) == 0
    serial = capsys.readouterr()
    assert main([*args, "--jobs", "2"]) == 0
    parallel = capsys.readouterr()
    assert serial.out == parallel.out
    assert parallel.err == ""  # no progress bar when stderr is not a terminal


def test_sarif_has_one_run_per_host_with_its_own_category(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["audit", "examples/fresh-install", "examples/agent-lab", "--format", "sarif",
                 "--now", NOW, "--jobs", "1"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    runs = sarif["runs"]
    assert [r["properties"]["host"] for r in runs] == ["fresh-install", "pve1"]
    ids = [r["automationDetails"]["id"] for r in runs]
    assert ids == ["proxguard/extended/fresh-install/", "proxguard/extended/pve1/"]
    main(["audit", "examples/fresh-install", "--format", "sarif", "--now", NOW])
    alone = json.loads(capsys.readouterr().out)["runs"][0]
    assert len(runs[0]["results"]) == len(alone["results"]) > 0
    for fleet_result, single in zip(runs[0]["results"], alone["results"], strict=True):
        uri = fleet_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        single_uri = single["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "examples/fresh-install/" + single_uri  # resolves in the repository
        assert (ROOT / uri).is_file()


def test_sarif_of_a_directory_of_hosts_links_evidence_into_the_repository(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["audit", "examples/", "--format", "sarif", "--now", NOW, "--jobs", "1"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["properties"]["path"] for r in runs] == [
        "examples/agent-lab", "examples/fresh-install", "examples/hardened"]
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for r in runs
            for res in r["results"] for loc in res["locations"]]
    assert uris and all((ROOT / u).is_file() for u in uris)


def test_sarif_run_of_an_unreadable_host_says_its_invocation_failed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b junk")
    assert main(["audit", FRESH, str(bad), "--format", "sarif", "--now", NOW, "--jobs", "1"]) == 2
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["properties"]["host"] for r in runs] == ["fresh-install", "broken"]
    failed = runs[1]
    assert failed["results"] == [] and failed["automationDetails"]["id"] == "proxguard/extended/broken/"
    (invocation,) = failed["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "not a readable tar archive" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_categories_stay_unique_when_two_snapshots_share_a_host_name(
        capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", HARDENED, LAB, "--format", "sarif", "--now", NOW, "--jobs", "1"])
    ids = [r["automationDetails"]["id"] for r in json.loads(capsys.readouterr().out)["runs"]]
    assert ids == ["proxguard/extended/pve1/", "proxguard/extended/pve1-2/"]


def test_junit_has_one_suite_per_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.tgz"
    bad.write_bytes(b"junk")
    rc = main(["audit", FRESH, HARDENED, str(bad), "--format", "junit", "--now", NOW,
               "--jobs", "1"])
    assert rc == 2
    root = ET.fromstring(capsys.readouterr().out)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["proxguard extended fresh-install",
                                               "proxguard extended pve1",
                                               "proxguard extended broken"]
    main(["audit", FRESH, "--format", "junit", "--now", NOW])
    alone = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert alone is not None
    assert suites[0].get("failures") == alone.get("failures") != "0"
    assert suites[1].get("failures") == "0"
    assert suites[2].get("errors") == "1" and suites[2].find("testcase/error") is not None


def test_text_summary_has_one_row_per_host_and_detail_on_request(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["audit", FRESH, HARDENED, "--min-grade", "B", "--now", NOW, "--jobs", "1"])
    out = capsys.readouterr().out
    assert rc == 1
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("HOST"))
    assert lines[header].split()[:8] == ["HOST", "GRADE", "SCORE", "CRIT", "HIGH", "MED", "LOW",
                                         "INFO"]
    expected = []
    for path in (FRESH, HARDENED):
        r = _json(capsys, path)[1]
        sev = [t["severity"] for f in r["findings"] for t in f["targets"] if t["status"] == "fail"]
        counts = [str(sev.count(k)) for k in ("critical", "high", "medium", "low", "info")]
        expected.append([r["grade"], str(r["score"]), *counts])
    assert lines[header + 1].split()[:9] == ["fresh-install", "!", *expected[0]]
    assert lines[header + 2].split()[:8] == ["pve1", *expected[1]]
    assert expected[1][2:] == ["0"] * 5  # hardened fails nothing
    assert "Grade: F" not in out  # no per-host detail unless asked
    main(["audit", FRESH, HARDENED, "--detail", "--now", NOW, "--jobs", "1"])
    detailed = capsys.readouterr().out
    assert detailed.count("Grade: ") == 2 and "Host fresh-install" in detailed


def test_hostile_host_names_are_cleaned_in_text_and_escaped_in_html(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "h$(reboot)'\x1b[31m\n<img src=x onerror=alert(1)>"
    shutil.copytree(FRESH, evil)
    shutil.copytree(HARDENED, tmp_path / "ok")
    main(["audit", str(evil), str(tmp_path / "ok"), "--now", NOW, "--jobs", "1"])
    text = capsys.readouterr().out
    assert "\x1b" not in text
    row = next(line for line in text.splitlines() if line.startswith("h$(reboot)"))
    assert row.startswith("h$(reboot)'?[31m?<img src=x one…")  # one line, bounded width
    # the path as every text report writes control characters: \xHH, on one line
    assert " F " in row and row.endswith("/h$(reboot)'\\x1b[31m\\x0a<img src=x onerror=alert(1)>")
    main(["audit", str(evil), str(tmp_path / "ok"), "--format", "markdown", "--now", NOW,
          "--jobs", "1"])
    md = capsys.readouterr().out
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    main(["audit", str(evil), str(tmp_path / "ok"), "--format", "html", "--now", NOW,
          "--jobs", "1"])
    html = capsys.readouterr().out
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('<section class="pg-fleet-host"') == 2


def test_markdown_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", FRESH, HARDENED, "--format", "markdown", "--now", NOW, "--jobs", "1"])
    md = capsys.readouterr().out
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Host | Grade | Score | CRIT |")
    score = _json(capsys, FRESH)[1]["score"]
    assert rows[1].startswith(f"| fresh-install | F | {score} | 2 | 6 |")  # 2 critical, 6 high
    assert rows[2].startswith("| pve1 | A | 100 | 0 |")


def test_compare_matches_hosts_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, before = _json(capsys, FRESH, HARDENED)
    saved = tmp_path / "before.json"
    saved.write_text(json.dumps(before))
    _, after = _json(capsys, FRESH, HARDENED, "--compare", str(saved))
    assert [h["report"]["comparison"]["score"]["delta"] for h in after["hosts"]] == [0, 0]
    _, single = _json(capsys, FRESH)
    saved.write_text(json.dumps(single))
    assert main(["audit", FRESH, HARDENED, "--compare", str(saved)]) == 2
    assert "proxguard-fleet/1" in capsys.readouterr().err


def test_host_names_come_from_the_snapshot(tmp_path: Path) -> None:
    tar = _tarball(tmp_path / "renamed.tar.gz", "fresh-install", "proxguard-node-7-20261130T081500Z")
    assert host_name(HostInput((str(tar),), str(tar), "tarball"), []) == "node-7"
    plain = _tarball(tmp_path / "proxguard-pve9-20261130T000000Z.tar.gz", "fresh-install", "x")
    assert host_name(HostInput((str(plain),), str(plain), "tarball"), []) == "pve9"
    d = HostInput((FRESH,), FRESH, "directory")
    assert host_name(d, ["etc/pve/nodes/pve3/host.fw"]) == "pve3"
    assert host_name(d, ["etc/pve/nodes/a/host.fw", "etc/pve/nodes/b/host.fw"]) == "fresh-install"
    assert host_name(HostInput(("x.cfg",), "x.cfg", "loose"), []) == "loose files"


def test_split_skips_symlinks_in_a_fleet_directory(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    shutil.copytree(FRESH, hosts / "a")
    (hosts / "b").symlink_to(HARDENED)
    split = split_hosts([str(hosts)])
    assert [h.label for h in split.hosts] == [str(hosts / "a")]
    assert split.skipped == [f"{hosts}/b: symlink not followed"]
    with pytest.raises(InputError, match="no such file"):
        split_hosts([str(tmp_path / "missing")])


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal() -> None:
    tty, pipe = _Tty(), io.StringIO()
    assert run_all(abs, [-1, -2, -3], 1, tty) == [1, 2, 3]
    assert "3/3 hosts" in tty.getvalue() and tty.getvalue().endswith("\r")
    assert run_all(abs, [-1, -2, -3], 2, pipe) == [1, 2, 3]
    assert pipe.getvalue() == ""


@pytest.mark.parametrize("command", ["fix", "firewall"])
def test_single_host_commands_refuse_several_hosts(command: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, FRESH, HARDENED]) == 2
    err = capsys.readouterr().err
    assert f"{command} takes one host, got 2" in err
    assert main([command, FRESH]) in (0, 1)


def test_fleet_html_page_keeps_element_ids_unique_and_links_inside_each_host(
        capsys: pytest.CaptureFixture[str]) -> None:
    import re

    main(["audit", FRESH, HARDENED, "--format", "html", "--now", NOW, "--jobs", "1"])
    html = capsys.readouterr().out
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) > 10
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets <= set(ids)
    assert {"host-1", "host-2"} <= targets  # the table links to each host's section
    assert {"host-1-finding-root-ssh-password", "host-2-finding-root-ssh-password"} <= set(ids)


def test_json_with_reports_serialised_in_the_workers_is_byte_identical(
        tmp_path: Path) -> None:
    import json as json_

    from proxguard.render.fleet import render_fleet

    bad = tmp_path / "broken.tgz"
    bad.write_bytes(b"junk")
    evil = tmp_path / 'say "report": "@@report-0@@"'
    shutil.copytree(HARDENED, evil)
    out = tmp_path / "fleet.json"
    assert main(["audit", FRESH, str(bad), str(evil), "--format", "json", "-o", str(out),
                 "--now", NOW, "--jobs", "2"]) == 2
    text = out.read_text()
    fleet = json_.loads(text)
    assert text == json_.dumps(fleet, indent=2, ensure_ascii=False) + "\n"
    assert render_fleet(fleet, "json") == text
    assert fleet["hosts"][2]["path"] == str(evil) and fleet["hosts"][2]["grade"] == "A"


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "markdown", "json"])
def test_a_fleet_renders_the_scripts_only_for_formats_that_print_them(
        fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Text, SARIF, JUnit and Markdown show no remediation script, so a fleet in those
    formats never renders one (issue 14: ~36,000 per large user.cfg); the bytes are those
    of a run that rendered them all."""
    args = ["audit", FRESH, LAB, "--format", fmt, "--now", NOW, "--jobs", "1"]
    main(args)
    lean = capsys.readouterr().out
    filled: list[int] = []
    real_fill = report_mod.PendingScripts.fill
    monkeypatch.setattr(report_mod.PendingScripts, "fill",
                        lambda self: (filled.append(1), real_fill(self))[1])
    monkeypatch.setattr(fleet_cli, "SHOWS_SCRIPTS", frozenset({"text", "sarif", "junit",
                                                               "markdown", "json", "html"}))
    main(args)
    assert capsys.readouterr().out == lean
    assert filled  # the second run did render them
    filled.clear()
    monkeypatch.setattr(fleet_cli, "SHOWS_SCRIPTS", frozenset({"json", "html"}))
    main(args)
    assert capsys.readouterr().out == lean
    assert bool(filled) == (fmt == "json")
