"""ram-budget with `pct list` / `qm list`: the always-on tier is onboot ∪ running, and a
listing's hostile guest name stays data in the printed script."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import proxguard

FIXTURES = Path(__file__).parent / "fixtures" / "ram-budget"
RUNNING_ONLY = FIXTURES / "fail-running-only-over-budget"
NOW = 1767225600


def pct_row(vmid: object, status: str, lock: str, name: str) -> str:
    """One line as pve-container's pct.pm prints it (`%-10s %-10s %-12s %-20s`)."""
    return f"{vmid!s:<10} {status:<10} {lock:<12} {name:<20}\n"


def qm_row(vmid: int, name: str, status: str, mem: int, disk: float, pid: int) -> str:
    """One line as qemu-server's qm.pm prints it (`%10s %-20s %-10s %-10s %12.2f %-10s`)."""
    return f"{vmid:>10} {name:<20} {status:<10} {mem!s:<10} {disk:>12.2f} {pid!s:<10}\n"


def _finding(root: Path) -> dict[str, Any]:
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended", now=NOW)
    return next(f for f in report.to_json()["findings"] if f["rule"] == "ram-budget")


def _copy(tmp_path: Path, src: Path = RUNNING_ONLY, drop: tuple[str, ...] = ()) -> Path:
    root = tmp_path / "host"
    shutil.copytree(src, root)
    (root / "expect.json").unlink()
    for name in drop:
        (root / "commands" / name).unlink()
    return root


def test_running_guests_push_the_tier_over_and_stopped_onboot_still_counts() -> None:
    f = _finding(RUNNING_ONLY)
    (t,) = f["targets"]
    assert (f["status"], t["status"]) == ("fail", "fail")
    ev = t["evidence"]
    assert ev.startswith("guests with onboot: 1 or running need 15.0 GiB of 16.0 GiB")
    assert "ct/101 4096 MiB (onboot, stopped)" in ev  # onboot, stopped now: still counts
    assert "ct/102 4096 MiB (running)" in ev and "vm/201 3072 MiB (running)" in ev
    # what starting each guest outside the tier would push the total to: only vm/300
    assert ev.endswith("If started too: starting vm/300 → 23.0 GiB (144%)")
    assert "not supplied" not in ev
    script = f["remediation"]["script"]
    assert "shutdown 102" not in script  # printf arguments, not a command line
    assert "printf '  %s shutdown %s   # %s\\n' pct 102 build" in script
    assert "printf '  %s set %s --onboot 0   # %s\\n' qm 201" not in script


def test_without_the_listings_the_same_host_passes_and_says_so(tmp_path: Path) -> None:
    f = _finding(_copy(tmp_path, drop=("pct-list.txt", "qm-list.txt")))
    (t,) = f["targets"]
    assert (f["status"], t["status"]) == ("pass", "pass")
    assert t["evidence"].startswith("guests with onboot: 1 need 8.0 GiB of 16.0 GiB")
    assert t["evidence"].endswith(
        "Running state of containers and VMs was not supplied (commands/pct-list.txt, "
        "commands/qm-list.txt): only their onboot flag counts")


def test_one_listing_counts_its_kind_and_names_the_missing_one(tmp_path: Path) -> None:
    f = _finding(_copy(tmp_path, drop=("qm-list.txt",)))
    ev = f["targets"][0]["evidence"]
    # ct/102 runs (12 GiB = 75 %); the VMs' state is unknown: only vm/200's onboot counts
    assert ev.startswith("guests with onboot: 1 or running need 12.0 GiB of 16.0 GiB host memory (75%")
    assert "Running state of VMs was not supplied (commands/qm-list.txt)" in ev
    assert f["status"] == "pass"


def test_listed_guests_without_a_config(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    with (root / "commands/qm-list.txt").open("a") as fh:
        fh.write(qm_row(400, "orphan", "running", 1024, 8, 99))
    with (root / "commands/pct-list.txt").open("a") as fh:
        fh.write(pct_row(150, "running", "", "elsewhere"))
    ev = _finding(root)["targets"][0]["evidence"]
    assert "need 16.0 GiB of 16.0 GiB host memory (100%" in ev
    assert "vm/400 1024 MiB (running, no config supplied: MEM(MB) of qm list)" in ev
    assert "Listed as running without a config, memory unknown and not counted: ct/150" in ev


def test_templates_never_start_and_are_not_counted(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    conf = root / "etc/pve/qemu-server/300.conf"
    conf.write_text(conf.read_text() + "template: 1\n")
    ev = _finding(root)["targets"][0]["evidence"]
    assert "vm/300" not in ev.split(". Templates")[0]
    assert ev.endswith("Templates never start and are not counted: vm/300")


HOSTILE_CT = "$(touch${IFS}pg-canary)'\"`touch${IFS}pg-canary2`"
HOSTILE_VM = "$(touch pg-canary3) \"q' ;touch pg-canary4"


def test_hostile_listing_names_reach_the_script_only_quoted(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    ct = root / "etc/pve/lxc/102.conf"  # no hostname: the listed name is the one shown
    ct.write_text("".join(ln for ln in ct.read_text().splitlines(True)
                          if not ln.startswith("hostname:")))
    vm = root / "etc/pve/qemu-server/201.conf"
    vm.write_text("".join(ln for ln in vm.read_text().splitlines(True)
                          if not ln.startswith("name:")))
    (root / "commands/pct-list.txt").write_text(
        pct_row("VMID", "Status", "Lock", "Name") + pct_row(101, "stopped", "", "dns")
        + pct_row(102, "running", "", HOSTILE_CT))
    qm = (root / "commands/qm-list.txt").read_text().replace("scratch", HOSTILE_VM)
    (root / "commands/qm-list.txt").write_text(qm)
    f = _finding(root)
    assert f["status"] == "fail"
    script = tmp_path / "fix.sh"
    script.write_text(f["remediation"]["script"])
    if shutil.which("shellcheck"):
        res = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout
    run = tmp_path / "run"
    run.mkdir()
    out = subprocess.run(["bash", str(script)], cwd=run, capture_output=True, text=True,
                         check=True, timeout=30).stdout
    assert not list(run.iterdir()) and not list(tmp_path.rglob("pg-canary*"))
    assert f"pct shutdown 102   # {HOSTILE_CT}\n" in out
    assert f"qm shutdown 201   # {HOSTILE_VM}\n" in out


def test_an_unrecognisable_listing_is_named_as_supplied(tmp_path: Path) -> None:
    root = _copy(tmp_path, drop=("qm-list.txt",))
    (root / "commands/pct-list.txt").write_text("pct: command failed: cfs-lock timeout\n")
    report = proxguard.audit(proxguard.load_snapshot([root]), profile="extended", now=NOW)
    doc = report.to_json()
    assert [u["path"] for u in doc["evidence"]["unrecognised"]] == ["commands/pct-list.txt"]
    ev = next(f for f in doc["findings"] if f["rule"] == "ram-budget")["targets"][0]["evidence"]
    assert ev.startswith("guests with onboot: 1 need 8.0 GiB")
    assert ev.endswith("Running state of containers was supplied but not recognisable as "
                       "listing output (commands/pct-list.txt): only their onboot flag counts"
                       ". Running state of VMs was not supplied (commands/qm-list.txt): only "
                       "their onboot flag counts")


def test_other_nodes_guests_are_named_and_not_counted_nor_asked_for() -> None:
    """The collected node (manifest hostname pve1.lab.example → pve1) holds ct/101; vm/200
    sits under nodes/pve2: it is named as not counted, and no `qm list` is asked for,
    because this node has no VM."""
    snap = proxguard.load_snapshot([FIXTURES / "pass-other-nodes-guests-left-out"])
    report = proxguard.audit(snap, profile="extended").to_json()
    finding = next(f for f in report["findings"] if f["rule"] == "ram-budget")
    evidence = finding["targets"][0]["evidence"]
    assert "need 4.0 GiB of 16.0 GiB" in evidence
    assert "not counted: vm/200" in evidence
    assert "Running state of containers was not supplied (commands/pct-list.txt)" in evidence
    assert "qm-list" not in evidence
