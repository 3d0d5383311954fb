"""Names Proxmox or sshd would reject are refused at input, with file and line (issue 10).

Node names, VMIDs and storage ids end up in remediation scripts and API paths; a node
directory called `$(…)` or a storage section `nfs: a;b` never exists on a real host, so such
a file or section is not judged at all, and the diagnostic says why and where.
"""

from __future__ import annotations

import proxguard
from proxguard.inputs import Snapshot
from proxguard.parsers.host import build_host
from proxguard.parsers.names import NODE, STORAGE_ID, VMID, refusal

NFS = "nfs: {id}\n\tserver 10.0.0.5\n\texport /srv\n\tpath /mnt/pve/{id}\n\toptions vers=4,no_root_squash\n"


def _host(files: dict[str, str]):
    snap = Snapshot()
    for path, text in files.items():
        snap.add(path, text)
    return build_host(snap, now=1767225600)


def test_the_formats_are_proxmox_own() -> None:
    # pve-common PVE/JSONSchema.pm: pve-node, pve-vmid, pve-storage-id
    assert NODE.fullmatch("pve1") and NODE.fullmatch("a") and NODE.fullmatch("node-2")
    assert not any(NODE.fullmatch(n) for n in ("-a", "a-", "a.b", "a b", "$(id)", ""))
    assert VMID.fullmatch("100") and VMID.fullmatch("999999999")
    assert not any(VMID.fullmatch(v) for v in ("99", "0100", "1000000000", "1e3"))
    assert STORAGE_ID.fullmatch("local-lvm") and STORAGE_ID.fullmatch("nas.backup_1")
    assert not any(STORAGE_ID.fullmatch(s) for s in ("1nas", "nas-", "a", "a;b", "$(id)"))


def test_a_node_directory_proxmox_would_reject_is_refused() -> None:
    host = _host({"etc/pve/nodes/$(touch x)/host.fw": "[OPTIONS]\nenable: 1\n",
                  "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 1\n"})
    assert host.firewall is not None
    assert list(host.firewall.hosts) == ["pve1"]
    [d] = [d for d in host.diagnostics if "$(touch x)" in d.file]
    assert d.level == "error" and d.line == 0
    assert "node name" in d.message and "not assessed" in d.message


def test_a_newline_in_a_node_name_is_refused() -> None:
    assert refusal("etc/pve/nodes/a\nb/lxc/100.conf") is not None
    assert refusal("etc/pve/nodes/pve1/lxc/100.conf") is None
    assert refusal("etc/pve/local/host.fw") is None


def test_guest_file_names_must_be_vmids() -> None:
    assert refusal("etc/pve/firewall/00110.fw") is not None
    assert refusal("etc/pve/lxc/1234567890.conf") is not None
    assert refusal("etc/pve/qemu-server/0.conf") is not None
    assert refusal("etc/pve/firewall/110.fw") is None
    assert refusal("etc/pve/firewall/cluster.fw") is None


def test_sshd_drop_ins_outside_the_debian_glob_are_refused() -> None:
    assert refusal("etc/ssh/sshd_config.d/10-x.conf") is None
    assert refusal("etc/ssh/sshd_config.d/$(touch x).conf") is None  # sshd reads it: quoted
    assert "*.conf" in (refusal("etc/ssh/sshd_config.d/05-x.txt") or "")
    assert refusal("etc/ssh/sshd_config.d/.hidden.conf") is not None


def test_a_storage_id_proxmox_would_reject_is_refused_with_its_line() -> None:
    text = NFS.format(id="good") + "\n" + NFS.format(id="x;touch${IFS}y")
    host = _host({"etc/pve/storage.cfg": text})
    assert host.storage is not None
    assert "good" in host.storage.storages
    assert "x;touch${IFS}y" not in host.storage.storages
    [d] = [d for d in host.diagnostics if "x;touch${IFS}y" in d.message]
    assert (d.file, d.line) == ("etc/pve/storage.cfg", 7)
    assert "not a valid storage ID" in d.message


def test_a_refused_name_never_reaches_a_script(tmp_path) -> None:
    host_fw = "[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n"
    root = tmp_path / "etc" / "pve" / "nodes" / "$(touch pg-canary)"
    root.mkdir(parents=True)
    (root / "host.fw").write_text(host_fw)
    report = proxguard.audit(proxguard.load_snapshot([tmp_path]), profile="extended",
                             now=1767225600)
    data = report.to_json()
    scripts = [f["remediation"]["script"] for f in data["findings"]
               if f.get("remediation", {}).get("script")]
    assert not [s for s in scripts if "pg-canary" in s]
    assert [d for d in data["diagnostics"] if "node name" in d["message"]]
