"""LXC/QEMU guest configs (formats.md §5; CT Config.pm parse_pct_config, QS parse_vm_config)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers import guest

CT = """#Docker%20host
# managed by ansible
arch: amd64
cores: 2
features: nesting=1,keyctl=yes,mount=nfs;cifs
hostname: docker1
memory: 2048
mp0: /srv/data,mp=/data,ro=1
net0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth
onboot: 1
ostype: debian
rootfs: local-lvm:vm-101-disk-0,size=8G
dev0: /dev/dri/renderD128,gid=104
swap: 512
unprivileged: 1
lxc.idmap: u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.apparmor.profile: unconfined
lxc.cgroup2.devices.allow: c 226:128 rwm

[pve:pending]
memory: 4096
delete: swap

[before_upgrade]
#snapshot note
arch: amd64
hostname: docker1
snaptime: 1730000000
unprivileged: 0
"""

F = "etc/pve/lxc/101.conf"


def lxc(text: str, file: str = F) -> tuple[guest.Container, Diagnostics]:
    d = Diagnostics()
    return guest.parse_lxc(text, file, 101, d), d


def test_container_main_section() -> None:
    ct, d = lxc(CT)
    assert list(d) == []
    assert (ct.vmid, ct.node, ct.file) == (101, None, F)
    assert ct.description == "Docker host\n managed by ansible\n"
    assert ct.hostname == "docker1" and ct.memory == 2048 and ct.onboot is True
    assert ct.unprivileged_flag is True and ct.unprivileged is True
    assert ct.features == {"nesting": "1", "keyctl": "1", "mount": "nfs;cifs"}
    assert ct.feature("nesting") and ct.feature("keyctl") and not ct.feature("fuse")
    assert ct.line_of("features") == 5 and ct.line_of("protection") == 0
    assert ct.nets["net0"]["firewall"] == "1" and ct.nets["net0"]["bridge"] == "vmbr0"
    assert ct.mounts == {"rootfs": {"volume": "local-lvm:vm-101-disk-0", "size": "8G"},
                         "mp0": {"volume": "/srv/data", "mp": "/data", "ro": "1"}}
    assert ct.devices == {"dev0": {"path": "/dev/dri/renderD128", "gid": "104"}}
    assert [(e.key, e.value, e.line) for e in ct.raw_lxc] == [
        ("lxc.idmap", "u 0 100000 65536", 16), ("lxc.idmap", "g 0 100000 65536", 17),
        ("lxc.apparmor.profile", "unconfined", 18),
        ("lxc.cgroup2.devices.allow", "c 226:128 rwm", 19)]
    assert [(m.kind, m.ct_start, m.host_start, m.count, m.line) for m in ct.idmaps] == [
        ("u", 0, 100000, 65536, 16), ("g", 0, 100000, 65536, 17)]


def test_pending_and_snapshot_never_mixed_in() -> None:
    ct, _ = lxc(CT)
    assert ct.memory == 2048 and ct.get("swap") == "512" and ct.get("snaptime") is None
    assert ct.pending is not None and ct.pending.line == 21
    assert ct.pending.get("memory") == "4096" and ct.pending.get("delete") == "swap"
    snap = ct.snapshots["before_upgrade"]
    assert (snap.line, snap.get("unprivileged"), snap.description) == (25, "0", "snapshot note\n")
    assert snap.raw_lxc == []


def test_privileged_default_and_idmap_makes_unprivileged_style() -> None:
    ct, _ = lxc("hostname: a\n")
    assert ct.unprivileged is False and ct.unprivileged_flag is False
    ct, _ = lxc("unprivileged: 0\nlxc.idmap = u 0 100000 65536\n")
    assert ct.unprivileged is True and ct.unprivileged_flag is False


def test_last_wins_and_booleans() -> None:
    ct, d = lxc("memory: 512\nunprivileged: YES\nmemory: 1024\nonboot: off\nprotection: maybe\n")
    assert ct.memory == 1024 and ct.get("unprivileged") == "1" and ct.onboot is False
    assert ct.get("protection") == "maybe"  # LXC keeps an invalid raw value
    assert [(x.line, x.level) for x in d] == [(3, "info"), (5, "warning")]


def test_crlf_values_trimmed_description_keeps_cr() -> None:
    ct, d = lxc("#note\r\nunprivileged: 1\r\nfeatures: nesting=1\r\n\r\n[snap]\r\nunprivileged: 0\r\n")
    assert list(d) == []
    assert ct.get("unprivileged") == "1" and ct.features == {"nesting": "1"}
    assert ct.description == "note\r\n"
    assert ct.snapshots["snap"].get("unprivileged") == "0"


def test_bad_lines_and_refused_lxc_keys() -> None:
    ct, d = lxc("  indented: x\nBad: 1\nlxc.rootfs.path: /x\nlxc.bogus: 1\nlxc.id_map: u 0 1 2\n"
                "lxc.idmap: nonsense\ndelete: swap\nfeatures: nesting=1,nesting=0\nfoo: bar\n")
    assert [e.key for e in ct.raw_lxc] == ["lxc.id_map", "lxc.idmap"]
    assert ct.idmaps == [] and ct.unprivileged is True  # any lxc.idmap line counts for PVE
    assert ct.features == {"nesting": "1"}
    assert ct.get("foo") == "bar"  # unknown key: warned, value kept (non-strict)
    assert sorted(x.line for x in d) == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_environment_runtime_becomes_env() -> None:
    ct, _ = lxc("lxc.environment.runtime: A=1\nlxc.environment.runtime = B=2\n")
    assert ct.get("env") == "A=1\0B=2" and ct.raw_lxc == []


def test_qemu() -> None:
    text = ("#Web%20VM\nagent: 1\nargs: -cpu host,+aes\nboot: order=scsi0\ncdrom: none,media=cdrom\n"
            "memory: current=4096\nname: web\nnet0: virtio=BC:24:11:00:00:02,bridge=vmbr0,firewall=1\n"
            "onboot: yes\nvmgenid: x\nsmbios1: uuid=1\n\n[PENDING]\nmemory: 8192\n\n"
            "[special:cloudinit]\nipconfig0: ip=dhcp\n\n[pre-update]\nname: old\n\n[odd one]\nfoo: 1\n")
    d = Diagnostics()
    vm = guest.parse_qemu(text, "etc/pve/nodes/pve1/qemu-server/200.conf", 200, d)
    assert (vm.vmid, vm.node, vm.hostname, vm.memory, vm.onboot) == (200, "pve1", "web", 4096, True)
    assert vm.get("args") == "-cpu host,+aes" and vm.get("ide2") == "none,media=cdrom"
    assert vm.nets["net0"]["model"] == "virtio" and vm.nets["net0"]["macaddr"] == "BC:24:11:00:00:02"
    assert vm.pending is not None and vm.pending.get("memory") == "8192"
    assert vm.special["cloudinit"].get("ipconfig0") == "ip=dhcp"
    assert list(vm.snapshots) == ["pre-update"] and vm.description == "Web VM\n"
    assert [(x.line, x.level) for x in d] == [(22, "warning")]


def test_qemu_invalid_boolean_dropped() -> None:
    d = Diagnostics()
    vm = guest.parse_qemu("onboot: maybe\nprotection: 1\n", "etc/pve/qemu-server/1.conf", 1, d)
    assert vm.get("onboot") is None and vm.protection is True
    assert [x.line for x in d] == [1]


def test_load_vmid_node_and_duplicates() -> None:
    snap = Snapshot.from_texts({
        "etc/pve/lxc/101.conf": "hostname: a\n",
        "etc/pve/nodes/pve1/lxc/101.conf": "hostname: a\n",
        "etc/pve/nodes/pve2/lxc/102.conf": "hostname: b\n",
        "etc/pve/lxc/102.conf": "hostname: other\n",
        "etc/pve/qemu-server/300.conf": "name: vm\n",
    })
    d = Diagnostics()
    g = guest.load(snap, d)
    assert g is not None
    assert {k: (v.node, v.hostname) for k, v in g.containers.items()} == {
        101: ("pve1", "a"), 102: ("pve2", "b")}
    assert list(g.vms) == [300]
    assert sorted((x.file, x.level) for x in d) == [
        ("etc/pve/lxc/101.conf", "info"), ("etc/pve/lxc/102.conf", "warning")]


def test_load_none_without_guest_files() -> None:
    assert guest.load(Snapshot.from_texts({"etc/pve/storage.cfg": "dir: local\n"}),
                      Diagnostics()) is None


_LINES = [*CT.split("\n"), "", " ", "\r", "[pve:pending]", "[x]", "[special:cloudinit]",
          "lxc.idmap:", "lxc.idmap = u 0 0", "features: =,", "net0: ,,", "#%zz", "delete: a",
          "args: x", "unprivileged: 2"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=40))
def test_mutations_never_raise(lines: list[str]) -> None:
    text = "\n".join(lines)
    ct, d = lxc(text)
    assert all(e.key.startswith("lxc.") for e in ct.raw_lxc)
    assert all(x.file == F and 0 <= x.line <= len(lines) for x in d)
    vm = guest.parse_qemu(text, "etc/pve/qemu-server/5.conf", 5, Diagnostics())
    assert vm.vmid == 5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    lxc(text)
    guest.parse_qemu(text, "etc/pve/qemu-server/5.conf", 5, Diagnostics())
