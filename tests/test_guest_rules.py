"""privileged-containers and container-nesting: exact verdicts, severities, scripts."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from proxguard.inputs import Snapshot
from proxguard.parsers.host import build_host
from proxguard.remediation.scripts import render_rule
from proxguard.rule import Rule, Severity, Status, TargetResult
from proxguard.rules.container import RULES
from proxguard.rules.container.container_nesting import RULE as NESTING
from proxguard.rules.container.privileged_containers import RULE as PRIVILEGED


def run(rule: Rule, profile: str, files: dict[str, str]) -> list[TargetResult]:
    host = build_host(Snapshot.from_texts(files), now=0)
    return list(rule.check(host, rule.profiles[profile].params))


def test_registry_order_and_profiles() -> None:
    assert [r.id for r in RULES] == ["privileged-containers", "container-nesting",
                                     "lxc-raw-overrides", "guest-host-hooks",
                                     "stale-pristine-snapshot", "ram-budget"]
    assert PRIVILEGED.profiles["compat"].severity is Severity.HIGH
    assert NESTING.profiles["compat"].severity is Severity.MEDIUM
    assert all(r.category == "container" and r.inputs[0] == "guests" for r in RULES)
    assert [r.inputs for r in RULES if len(r.inputs) > 1] == [("guests", "memory")]


def test_privileged_evidence_exact() -> None:
    res = run(PRIVILEGED, "extended", {
        "etc/pve/lxc/101.conf": "hostname: a\nrootfs: local-zfs:subvol-101-disk-0,size=8G\n",
        "etc/pve/lxc/102.conf": "unprivileged: 0\n\n[pve:pending]\nunprivileged: 1\n"})
    assert [(r.id, r.status, r.file, r.line) for r in res] == [
        ("ct/101", Status.FAIL, "etc/pve/lxc/101.conf", 0),
        ("ct/102", Status.FAIL, "etc/pve/lxc/102.conf", 1)]
    assert res[0].evidence == "unprivileged not set (default 0: privileged) and no lxc.idmap"
    assert res[0].facts == {"vmid": 101, "hostname": "a", "node": "", "storage": "local-zfs"}
    assert res[1].evidence == ("unprivileged: 0 (etc/pve/lxc/102.conf:1) and no lxc.idmap; "
                               "pending change unprivileged: 1 (etc/pve/lxc/102.conf:4) is "
                               "not applied yet")


def test_snapshot_privileged_noted_on_pass() -> None:
    res = run(PRIVILEGED, "compat", {"etc/pve/lxc/7.conf": "unprivileged: 1\n[old]\nhostname: x\n"})
    assert res[0].status is Status.PASS
    assert res[0].evidence.endswith("snapshot(s) old were taken while privileged "
                                    "(not the live config)")


def test_root_idmap_compat_pass_extended_fail() -> None:
    files = {"etc/pve/lxc/9.conf": "lxc.idmap: g 0 100000 65536\nlxc.idmap: u 0 0 1\n"
                                   "lxc.idmap: u 1 100001 65535\n"}
    assert run(PRIVILEGED, "compat", files)[0].status is Status.PASS
    ext = run(PRIVILEGED, "extended", files)[0]
    assert (ext.status, ext.line) == (Status.FAIL, 2)
    assert "maps container root to host UID 0" in ext.evidence


def test_nesting_severity_by_privilege() -> None:
    files = {"etc/pve/lxc/1.conf": "features: nesting=1\n",
             "etc/pve/lxc/2.conf": "unprivileged: 1\nfeatures: keyctl=1,nesting=on\n",
             "etc/pve/lxc/3.conf": "unprivileged: 1\n"}
    ext = run(NESTING, "extended", files)
    assert [(r.id, r.status, r.severity, r.line) for r in ext] == [
        ("ct/1", Status.FAIL, Severity.HIGH, 1), ("ct/2", Status.FAIL, Severity.INFO, 2),
        ("ct/3", Status.PASS, None, 0)]
    assert ext[1].facts["features_without_nesting"] == "keyctl=1,nesting=0"
    compat = run(NESTING, "compat", files)
    assert [(r.status, r.severity) for r in compat] == [
        (Status.FAIL, None), (Status.FAIL, None), (Status.PASS, None)]


def test_no_containers_is_empty() -> None:
    assert run(PRIVILEGED, "extended", {"etc/pve/qemu-server/5.conf": "name: x\n"}) == []
    assert run(NESTING, "compat", {"etc/pve/qemu-server/5.conf": "name: x\n"}) == []


# -- scripts, run against stub pct/vzdump -------------------------------------------------

STUBS = {
    "pct": """#!/bin/sh
state="$PROXGUARD_ROOT/ct-$2.conf"
echo "pct $*" >> "$PROXGUARD_ROOT/log"
case "$1" in
  config) cat "$state" ;;
  set) printf 'features: %s\\n' "$4" > "$state" ;;
  restore) printf 'unprivileged: 1\\n' > "$state" ;;
esac
""",
    "vzdump": """#!/bin/sh
echo "vzdump $*" >> "$PROXGUARD_ROOT/log"
: > "$7/vzdump-lxc-$1-2026_01_01-00_00_00.tar.zst"
""",
}


def _script(rule: Rule, result: TargetResult) -> str:
    return render_rule(rule, result)


def _exec(script: str, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in STUBS.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(stat.S_IRWXU)
    path = root / "fix.sh"
    path.write_text(script)
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                               "PROXGUARD_ROOT": str(root), **env})


def test_nesting_script_is_idempotent(tmp_path: Path) -> None:
    res = run(NESTING, "extended", {"etc/pve/lxc/42.conf": "features: keyctl=1,nesting=1\n"})[0]
    script = _script(NESTING, res)
    assert subprocess.run(["bash", "-n"], input=script, text=True, check=False).returncode == 0
    (tmp_path / "ct-42.conf").write_text("features: keyctl=1,nesting=1\n")
    first = _exec(script, tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "ct-42.conf").read_text() == "features: keyctl=1,nesting=0\n"
    backups = list((tmp_path / "root" / "proxguard-backup").iterdir())
    assert [b.read_text() for b in backups] == ["features: keyctl=1,nesting=1\n"]
    second = _exec(script, tmp_path)
    assert second.returncode == 0 and "nothing to do" in second.stdout
    assert (tmp_path / "log").read_text().count("pct set") == 1


def test_privileged_script_backs_up_and_needs_confirmation(tmp_path: Path) -> None:
    res = run(PRIVILEGED, "compat", {"etc/pve/lxc/7.conf": "rootfs: tank:subvol-7-disk-0\n"})[0]
    script = _script(PRIVILEGED, res)
    (tmp_path / "ct-7.conf").write_text("hostname: x\n")
    dry = _exec(script, tmp_path)
    assert dry.returncode == 0, dry.stderr
    archive = tmp_path / "var/lib/vz/dump/vzdump-lxc-7-2026_01_01-00_00_00.tar.zst"
    assert archive.exists()
    assert f"pct restore 7 {archive} --unprivileged 1 --force 1 --storage tank" in dry.stdout
    assert "pct restore" not in (tmp_path / "log").read_text()
    done = _exec(script, tmp_path, PROXGUARD_CONFIRM="1")
    assert done.returncode == 0, done.stderr
    assert "pct restore 7" in (tmp_path / "log").read_text()
    again = _exec(script, tmp_path)
    assert "already unprivileged" in again.stdout
