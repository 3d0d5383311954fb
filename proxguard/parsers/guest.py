"""LXC and QEMU guest configs → Guests.

Replays PVE's line reader [CT src/PVE/LXC/Config.pm parse_pct_config; QS
src/PVE/QemuServer.pm parse_vm_config] because the traps decide verdicts: only the lines
before the first `[...]` header are the running config, `#` lines are the description
(not comments), raw `lxc.*` keys take `:` or `=`, and a later key replaces an earlier one.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import LXC_CONF, QEMU_CONF, InputFile, Snapshot
from proxguard.model.guests import Container, Guests, GuestSection, IdMap, VirtualMachine
from proxguard.parsers import guest_lines
from proxguard.parsers.propstring import parse_boolean, parse_property_string

_VMID = re.compile(r"(?:^|/)(\d+)\.conf$")
_NODE = re.compile(r"^etc/pve/nodes/([^/]+)/")
# CT src/PVE/LXC.pm parse_id_maps.
_IDMAP = re.compile(r"^([ug])\s+(\d+)\s+(\d+)\s+(\d+)\s*$")
# Sub-options that are booleans in the netN/mpN/rootfs/devN/features formats; stored
# normalised to "1"/"0" (COM parse_property_string applies parse_boolean to them).
_SUB_BOOLEANS = frozenset({"firewall", "link_down", "ro", "backup", "quota", "replicate",
                           "shared", "acl", "host-managed", "deny-write", "keepattrs",
                           "nesting", "keyctl", "fuse", "mknod", "force_rw_sys"})
# QS: the NIC model is the key of `<model>=<MAC>` (the format's default key is `model`).
_QEMU_NIC_MODELS = frozenset({"virtio", "e1000", "e1000e", "e1000-82540em", "e1000-82544gc",
                              "e1000-82545em", "vmxnet3", "rtl8139", "ne2k_pci", "ne2k_isa",
                              "i82551", "i82557b", "i82559er", "pcnet"})


def load(snapshot: Snapshot, diags: Diagnostics) -> Guests | None:
    """None when no guest config was supplied (container rules → not_evaluated)."""
    lxc, qemu = snapshot.of_kind(LXC_CONF), snapshot.of_kind(QEMU_CONF)
    if not lxc and not qemu:
        return None
    guests = Guests()
    seen: dict[int, InputFile] = {}
    for f in _node_paths_first(lxc + qemu):
        vmid = _vmid(f, seen, diags)
        if vmid is None:
            continue
        seen[vmid] = f
        if f.kind == LXC_CONF:
            guests.containers[vmid] = parse_lxc(f.text, f.path, vmid, diags)
        else:
            guests.vms[vmid] = parse_qemu(f.text, f.path, vmid, diags)
    guests.containers = dict(sorted(guests.containers.items()))
    guests.vms = dict(sorted(guests.vms.items()))
    return guests


def _node_paths_first(files: list[InputFile]) -> list[InputFile]:
    """/etc/pve/lxc is a symlink to the local node's directory; prefer the nodes/ copy,
    which also names the node."""
    return sorted(files, key=lambda f: (_NODE.match(f.path) is None, f.path))


def _vmid(f: InputFile, seen: dict[int, InputFile], diags: Diagnostics) -> int | None:
    m = _VMID.search(f.path)
    if m is None:
        diags.warning(f.path, 0, "guest config without a numeric VMID file name; not assessed")
        return None
    vmid = int(m.group(1))
    first = seen.get(vmid)
    if first is None:
        return vmid
    if first.text == f.text and first.kind == f.kind:
        diags.info(f.path, 0, f"same config as {first.path} (the local node's view); read once")
    else:
        diags.warning(f.path, 0, f"VMID {vmid} is also configured in {first.path}; a VMID is "
                      "unique in a cluster, so one of them is stale; only the first is assessed")
    return None


# -- LXC ----------------------------------------------------------------------------------

def parse_lxc(text: str, file: str, vmid: int, diags: Diagnostics) -> Container:
    parsed = guest_lines.read(text, file, guest_lines.LXC, diags)
    main = parsed.main
    ct = Container(vmid=vmid, node=_node(file), file=file, main=main,
                   nets=_props(main, r"net\d+", None, file, diags), snapshots=parsed.snapshots,
                   pending=parsed.pending)
    ct.features = _props(main, r"features", None, file, diags).get("features", {})
    ct.mounts = _props(main, r"rootfs|mp\d+", "volume", file, diags)
    ct.devices = _props(main, r"dev\d+", "path", file, diags)
    ct.unprivileged_flag = main.get("unprivileged") == "1"
    ct.idmaps = _idmaps(main, file, diags)
    return ct


def _idmaps(main: GuestSection, file: str, diags: Diagnostics) -> list[IdMap]:
    maps = []
    for e in main.raw_lxc:
        if e.key != "lxc.idmap":
            continue
        m = _IDMAP.match(e.value)
        if m is None:
            diags.warning(file, e.line, f"lxc.idmap '{e.value}' cannot be parsed (expected "
                          "'u|g <ct-start> <host-start> <count>'); the container will not start")
            continue
        maps.append(IdMap(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), e.line))
    return maps


# -- QEMU ---------------------------------------------------------------------------------

def parse_qemu(text: str, file: str, vmid: int, diags: Diagnostics) -> VirtualMachine:
    parsed = guest_lines.read(text, file, guest_lines.QEMU, diags)
    nets = _props(parsed.main, r"net\d+", "model", file, diags)
    for net in nets.values():
        for model in _QEMU_NIC_MODELS & net.keys():
            net.setdefault("macaddr", net[model])
            net["model"] = model
    return VirtualMachine(vmid=vmid, node=_node(file), file=file, main=parsed.main, nets=nets,
                          snapshots=parsed.snapshots, pending=parsed.pending,
                          special=parsed.special)


# -- shared -------------------------------------------------------------------------------

def _node(file: str) -> str | None:
    m = _NODE.match(file)
    return unquote(m.group(1)) if m else None


def _props(sec: GuestSection, key_re: str, default_key: str | None, file: str,
           diags: Diagnostics) -> dict[str, dict[str, str]]:
    """Property-string keys of a section (features, netN, mpN, ...), parsed, with
    booleans normalised; faults reported at the key's line."""
    out: dict[str, dict[str, str]] = {}
    for key, prop in sec.conf.items():
        if not re.fullmatch(key_re, key):
            continue
        ps = parse_property_string(prop.value, default_key)
        for problem in ps.problems:
            diags.warning(file, prop.line, f"{key}: {problem}; Proxmox rejects this value")
        values = dict(ps.values)
        for sub, raw in values.items():
            if sub in _SUB_BOOLEANS:
                b = parse_boolean(raw)
                if b is None:
                    diags.warning(file, prop.line, f"{key}: {sub}={raw} is not a boolean")
                else:
                    values[sub] = "1" if b else "0"
        out[key] = values
    return out
