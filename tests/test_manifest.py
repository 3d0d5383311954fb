"""proxguard-manifest.json: detected by its exact name at the snapshot root (directory,
tarball, loose file), validated entry by entry, malformed input reported with its line,
never a crash (hypothesis), and what a missing cluster.fw means with and without it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.diagnostics import Diagnostics
from proxguard.inputs import MANIFEST, Snapshot
from proxguard.parsers.host import build_host
from proxguard.parsers.manifest import parse

NOW = 1767225600
GOOD = {"schema": "proxguard-manifest/1", "collected_at": 1767225000, "hostname": "pve1",
        "paths": {"etc/pve/firewall/cluster.fw": "absent", "etc/ssh/sshd_config": "present",
                  "/etc/pve/user.cfg": "unreadable", "etc/pve/priv/shadow.cfg": "refused"},
        "commands": {"commands/sshd-T.txt": "ok", "commands/pveversion.txt": "failed"}}


def test_good_manifest() -> None:
    diags = Diagnostics()
    m = parse("proxguard-manifest.json", json.dumps(GOOD), diags)
    assert m is not None and list(diags) == []
    assert (m.collected_at, m.hostname) == (1767225000, "pve1")
    assert m.state("etc/pve/firewall/cluster.fw") == "absent"
    assert m.state("etc/pve/user.cfg") == "unreadable"  # leading slash normalised
    assert m.state("etc/pve/storage.cfg") is None  # not looked for: nothing concluded
    assert m.commands == {"commands/sshd-T.txt": "ok", "commands/pveversion.txt": "failed"}


def test_malformed_json_is_an_error_with_its_line() -> None:
    diags = Diagnostics()
    assert parse("proxguard-manifest.json", '{"schema": "proxguard-manifest/1",\n "paths": {,}}',
                 diags) is None
    (d,) = list(diags)
    assert (d.level, d.file, d.line) == ("error", "proxguard-manifest.json", 2)
    assert d.message.startswith("collector manifest is not valid JSON")


def test_wrong_schema_and_bad_entries() -> None:
    diags = Diagnostics()
    assert parse("m", json.dumps({**GOOD, "schema": "other/9"}), diags) is None
    assert "is not 'proxguard-manifest/1'" in next(iter(diags)).message
    diags = Diagnostics()
    hostile = {**GOOD, "hostname": "pve1\n$(reboot)\x1b[2J", "collected_at": "yesterday",
               "paths": {"etc/pve/firewall/cluster.fw": "gone", "etc/x\nINJECT": "absent",
                         "etc/pve/firewall/../firewall/cluster.fw": "absent"},
               "commands": ["not", "an", "object"]}
    m = parse("m", json.dumps(hostile), diags)
    assert m is not None
    assert m.hostname == "pve1$(reboot)[2J"  # printable only; it is data, never run
    assert m.collected_at is None
    assert m.paths == {"etc/pve/firewall/cluster.fw": "absent"}  # the normalised good one
    assert m.commands == {}
    assert len(list(diags)) == 4  # collected_at, two bad paths, commands


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=20), kids, max_size=4), max_leaves=20))
def test_any_json_value_never_crashes(value: object) -> None:
    for doc in (value, {**GOOD, "paths": value}, {**GOOD, "commands": value},
                {**GOOD, "hostname": value, "collected_at": value}):
        parse("m", json.dumps(doc), Diagnostics())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_never_crashes(text: str) -> None:
    parse("m", text, Diagnostics())


def test_kind_by_exact_name_in_directory_tarball_and_loose(tmp_path: Path) -> None:
    root = tmp_path / "host"
    (root / "etc/ssh").mkdir(parents=True)
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin no\n")
    (root / "proxguard-manifest.json").write_text(json.dumps(GOOD))
    (root / "other-manifest.json").write_text(json.dumps(GOOD))
    snap = Snapshot.from_paths([root])
    assert [f.path for f in snap.of_kind(MANIFEST)] == ["proxguard-manifest.json"]
    assert "other-manifest.json" not in snap.files

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel in ("proxguard-manifest.json", "etc/ssh/sshd_config"):
            tar.add(root / rel, arcname=f"proxguard-pve1-20261130/{rel}")
    tgz = tmp_path / "snap.tar.gz"
    tgz.write_bytes(buf.getvalue())
    assert [f.path for f in Snapshot.from_paths([tgz]).of_kind(MANIFEST)] == [
        "proxguard-manifest.json"]
    assert [f.path for f in Snapshot.from_paths([root / "proxguard-manifest.json"])
            .of_kind(MANIFEST)] == ["proxguard-manifest.json"]


def _firewall_disabled(files: dict[str, str], profile: str) -> dict[str, object]:
    report = proxguard.audit(Snapshot.from_texts(files), profile=profile, now=NOW).to_json()
    return next(f for f in report["findings"] if f["rule"] == "firewall-disabled")


def test_absent_cluster_fw_fails_only_with_a_manifest() -> None:
    sshd = {"etc/ssh/sshd_config": "PermitRootLogin no\n"}
    for profile in ("compat", "extended"):
        assert _firewall_disabled(sshd, profile)["status"] == "not_evaluated"
        f = _firewall_disabled({**sshd, "proxguard-manifest.json": json.dumps(GOOD)}, profile)
        (t,) = f["targets"]  # type: ignore[misc]
        assert (f["status"], t["id"], t["file"], t["line"]) == (
            "fail", "host", "etc/pve/firewall/cluster.fw", 0)
        assert "does not exist on the host (collector manifest)" in t["evidence"]


def test_manifest_present_cluster_fw_in_snapshot_wins() -> None:
    files = {"etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
             "proxguard-manifest.json": json.dumps(GOOD)}  # says absent: the file wins
    host = build_host(Snapshot.from_texts(files), now=NOW)
    assert host.firewall.cluster_absent is False
    assert host.firewall.cluster_enabled()[0] is True
