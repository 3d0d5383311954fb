"""Fixes that need a value only the operator knows (token path, management networks, PBS
key and fingerprint, backup storage): without it they refuse, with status 2, a message
naming the variable, and no change at all; with it (tests/test_remediation_roundtrip.py)
they make the finding pass. Also: the `ID=value` form reaches the right target only, and
the stubs those round trips rely on act as PVE does.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import FIXTURES, OPERATOR_ENV, PBS_FP, Sandbox, fixture_now, scripts_for

# (rule, fixture, the variable the refusal must name, the target that needs it)
NEEDS = [
    ("token-tiers", "fail-write-on-root", "PROXGUARD_TOKEN_PATH", "token/agent@pve!lab"),
    ("pveproxy-access", "fail-default-open", "PROXGUARD_PVEPROXY_ALLOW", "host"),
    ("pveproxy-access", "fail-absent-manifest", "PROXGUARD_PVEPROXY_ALLOW", "host"),
    ("pbs-backup-protection", "fail-unencrypted-unpinned", "PROXGUARD_PBS_ENCRYPTION_KEY",
     "storage/pbs-main"),
    ("pbs-backup-protection", "fail-unencrypted-unpinned", "PROXGUARD_PBS_FINGERPRINT",
     "storage/pbs-offsite"),
    ("backup-coverage", "fail-uncovered-and-silent", "PROXGUARD_BACKUP_STORAGE", "vm/105"),
    ("backup-coverage", "fail-no-jobs-cfg-manifest-absent", "PROXGUARD_BACKUP_STORAGE",
     "ct/101"),
    ("backup-coverage", "fail-refused-and-pool-first", "PROXGUARD_BACKUP_KEEP",
     "backup-job/backup-all-and-list"),
]


def _box(tmp_path: Path, rule: str, case: str) -> tuple[Sandbox, dict[str, str]]:
    box = Sandbox.create(tmp_path, FIXTURES / rule / case)
    report = box.audit("extended", fixture_now(FIXTURES / rule / case))
    return box, dict(scripts_for(report, rule))


@pytest.mark.parametrize(("rule", "case", "var", "target"), NEEDS,
                         ids=[f"{n[0]}/{n[1]}/{n[2]}" for n in NEEDS])
def test_without_the_value_the_fix_refuses_and_changes_nothing(
        tmp_path: Path, rule: str, case: str, var: str, target: str) -> None:
    box, scripts = _box(tmp_path, rule, case)
    before = box.files()
    env = {k: v for k, v in OPERATOR_ENV.items() if k != var}
    res = box.run(scripts[target], PROXGUARD_CONFIRM="1", **env)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.startswith("ProxGuard: not run, nothing was changed: "), res.stderr
    assert var in res.stderr
    assert box.mutations() == [] and box.files() == before


@pytest.mark.parametrize(("var", "value", "target", "why"), [
    ("PROXGUARD_TOKEN_PATH", "/", "token/agent@pve!lab", "is not /vms/<id>"),
    ("PROXGUARD_TOKEN_PATH", "/vms/$(id)", "token/agent@pve!lab", "is not /vms/<id>"),
    ("PROXGUARD_TOKEN_PATH", "/vms/100 /vms/101", "token/agent@pve!lab", "Two values"),
    ("PROXGUARD_PVEPROXY_ALLOW", "192.168.1.0/24,all", "host", "is not a comma-separated"),
    ("PROXGUARD_PBS_FINGERPRINT", "aa:bb", "storage/pbs-offsite", "not a SHA-256"),
    ("PROXGUARD_PBS_ENCRYPTION_KEY", "/nonexistent/key.json", "storage/pbs-main",
     "does not exist"),
    ("PROXGUARD_BACKUP_STORAGE", "Local;x", "vm/105", "is not a storage id"),
])
def test_a_malformed_value_is_refused_too(tmp_path: Path, var: str, value: str, target: str,
                                          why: str) -> None:
    rule = {"PROXGUARD_TOKEN_PATH": "token-tiers", "PROXGUARD_PVEPROXY_ALLOW": "pveproxy-access",
            "PROXGUARD_BACKUP_STORAGE": "backup-coverage"}.get(var, "pbs-backup-protection")
    case = {"token-tiers": "fail-write-on-root", "pveproxy-access": "fail-default-open",
            "backup-coverage": "fail-uncovered-and-silent"}.get(rule, "fail-unencrypted-unpinned")
    box, scripts = _box(tmp_path, rule, case)
    before = box.files()
    res = box.run(scripts[target], PROXGUARD_CONFIRM="1", **{**OPERATOR_ENV, var: value})
    assert res.returncode == 2 and why in res.stderr, (res.stdout, res.stderr)
    assert box.mutations() == [] and box.files() == before


def test_per_target_values_reach_their_target_only(tmp_path: Path) -> None:
    """`ID=value` items name one token each; the bare value serves the others; an id
    holding `!` and `@` is matched literally."""
    box, scripts = _box(tmp_path, "token-tiers", "fail-write-on-root")
    env = {"PROXGUARD_CONFIRM": "1",
           "PROXGUARD_TOKEN_PATH": "agent@pve!lab=/pool/agents /vms/101 ops@pve!tf=/vms/102"}
    for target in ("token/agent@pve!lab", "token/ops@pve!tf", "token/root@pam!auto"):
        assert box.run(scripts[target], **env).returncode == 0
    grants = [m for m in box.mutations() if m.startswith("pveum acl modify")]
    assert grants == ["pveum acl modify /pool/agents --tokens 'agent@pve!lab' --roles PVEVMUser",
                      "pveum acl modify /vms/102 --tokens 'ops@pve!tf' --roles PVEVMUser",
                      "pveum acl modify /vms/101 --tokens 'root@pam!auto' --roles PVEVMUser"]


def test_without_confirmation_the_fix_says_so_and_changes_nothing(tmp_path: Path) -> None:
    box, scripts = _box(tmp_path, "pbs-backup-protection", "fail-unencrypted-unpinned")
    before = box.files()
    res = box.run(scripts["storage/pbs-plain"], **OPERATOR_ENV)
    assert res.returncode == 0 and "PROXGUARD_CONFIRM=1" in res.stdout
    assert box.mutations() == [] and box.files() == before


def test_pveproxy_tls_only_needs_no_networks_and_keeps_the_access_lines(tmp_path: Path) -> None:
    box, scripts = _box(tmp_path, "pveproxy-access", "fail-weak-ciphers")
    res = box.run(scripts["host"], PROXGUARD_CONFIRM="1")
    assert res.returncode == 0, res.stderr
    assert (box.root / "etc/default/pveproxy").read_text() == (
        "ALLOW_FROM=192.168.1.0/24\nDENY_FROM=all\nPOLICY=allow\n")
    assert box.audit("extended").finding("pveproxy-access").status.value == "pass"


def test_pbs_key_from_a_file_is_stored_as_pvesm_stores_it(tmp_path: Path) -> None:
    """pvesm's --encryption-key takes a key FILE (pve-storage CLI/pvesm.pm); PBSPlugin
    writes it to priv/storage/<id>.enc and keeps only its fingerprint in storage.cfg."""
    key = tmp_path / "shared.key"
    key.write_text(json.dumps({"kdf": None, "data": "c2VjcmV0", "fingerprint": PBS_FP}))
    box, scripts = _box(tmp_path / "b", "pbs-backup-protection", "fail-unencrypted-unpinned")
    res = box.run(scripts["storage/pbs-main"], PROXGUARD_CONFIRM="1",
                  PROXGUARD_PBS_ENCRYPTION_KEY=f"pbs-main={key}")
    assert res.returncode == 0, res.stderr
    assert json.loads((box.root / "etc/pve/priv/storage/pbs-main.enc").read_text())["data"] \
        == "c2VjcmV0"
    cfg = (box.root / "etc/pve/storage.cfg").read_text()
    assert ("pbs: pbs-main\n\tdatastore main\n\tserver 192.168.1.30\n\tcontent backup\n"
            f"\tencryption-key {PBS_FP}\n\tfingerprint ") in cfg


def test_the_backup_job_stubs_follow_the_api(tmp_path: Path) -> None:
    """not-backed-up counts disabled jobs (BackupInfo.pm) and honours `node`; a new
    `vmid` drops `all`/`exclude` (Backup.pm update_job); an existing id is refused."""
    box = Sandbox.create(tmp_path, FIXTURES / "backup-coverage" / "fail-uncovered-and-silent")
    res = box.run("pvesh get /cluster/backup-info/not-backed-up --output-format json\n"
                  "pvesh get /cluster/backup/backup-quiet --output-format json\n")
    first, second = res.stdout.splitlines()
    assert json.loads(first) == [{"vmid": 105, "type": "qemu", "name": "vm105"},
                                 {"vmid": 201, "type": "lxc", "name": "ct201"}]
    assert json.loads(second) == {"id": "backup-quiet", "type": "vzdump", "enabled": 1,
                                  "schedule": "daily", "mode": "snapshot",
                                  "notification-mode": "legacy-sendmail", "storage": "local",
                                  "vmid": "101,102"}
    res = box.run("pvesh set /cluster/backup/backup-6f1c3c1e-8d0b --vmid 105\n"
                  "pvesh create /cluster/backup --id backup-quiet --vmid 1 --schedule daily\n")
    assert res.returncode == 2 and res.stderr == "Job 'backup-quiet' already exists\n"
    assert (box.root / "etc/pve/jobs.cfg").read_text().startswith(
        "vzdump: backup-6f1c3c1e-8d0b\n\tschedule 21:00\n\tcompress zstd\n\tenabled 1\n"
        "\tmailnotification failure\n\tmailto ops@example.com\n\tmode snapshot\n"
        "\tnode pve1\n\tstorage pbs-main\n\tvmid 105\n\nvzdump: backup-old-103\n")


HOSTILE_USER = "e$(touch${IFS}CANARY)'q\"{x}\\@pve"


def test_a_token_whose_id_holds_shell_and_json_syntax_round_trips(tmp_path: Path) -> None:
    """PVE's user ids allow `$`, `(`, quotes, braces and backslashes: the id stays one
    word, and acl_has still finds its entry in pveum's JSON (quote and backslash are
    escaped there, braces are not), so the fix acts and its second run does nothing."""
    src = tmp_path / "src"
    (src / "etc/pve").mkdir(parents=True)
    (src / "etc/pve/user.cfg").write_text(
        f"user:root@pam:1:0:::root@example.com::x:\nuser:{HOSTILE_USER}:1:0:::e@example.com::x:\n"
        f"token:{HOSTILE_USER}!lab:1830297600:1:hostile:\n\n"
        f"acl:1:/:{HOSTILE_USER}!lab:PVEVMUser:\nacl:1:/:{HOSTILE_USER}:PVEAdmin:\n")
    box = Sandbox.create(tmp_path / "box", src)
    scripts = scripts_for(box.audit("extended"), "token-tiers")
    assert [t for t, _ in scripts] == [f"token/{HOSTILE_USER}!lab"]
    for _ in range(2):
        res = box.run(scripts[0][1], PROXGUARD_CONFIRM="1", **OPERATOR_ENV)
        assert res.returncode == 0, res.stderr
    assert "nothing to do" in res.stdout
    assert box.mutations() == [
        f"pveum acl modify /vms/100 --tokens {shlex.quote(HOSTILE_USER + '!lab')} --roles PVEVMUser",
        f"pveum acl delete / --tokens {shlex.quote(HOSTILE_USER + '!lab')} --roles PVEVMUser"]
    assert box.audit("extended").finding("token-tiers").status.value == "pass"
    assert not list(tmp_path.rglob("CANARY"))


def test_a_job_pve_would_skip_covers_nothing(tmp_path: Path) -> None:
    """A `vzdump:` section whose id is not a pve-configid is skipped by SectionConfig:
    the guest it names is still not backed up, and the fix adds it to ProxGuard's job."""
    src = tmp_path / "src"
    (src / "etc/pve/nodes/pve1/lxc").mkdir(parents=True)
    (src / "etc/pve/jobs.cfg").write_text(
        "vzdump: old$(touch${IFS}CANARY)\n\tschedule daily\n\tvmid 101\n\tstorage local\n")
    (src / "etc/pve/nodes/pve1/lxc/101.conf").write_text(
        "arch: amd64\nhostname: ct101\nrootfs: local-lvm:vm-101-disk-0,size=8G\n")
    box = Sandbox.create(tmp_path / "box", src)
    scripts = dict(scripts_for(box.audit("extended"), "backup-coverage"))
    res = box.run(scripts["ct/101"], PROXGUARD_CONFIRM="1", **OPERATOR_ENV)
    assert res.returncode == 0, res.stderr
    assert box.audit("extended").finding("backup-coverage").status.value == "pass"
    assert not list(tmp_path.rglob("CANARY"))
