"""Brute-force oracle for the path model: generated cluster.fw, guest .fw files and guest
NICs; every packet of a small domain between every pair of zones is decided here by a
naive walk over the rule *text* (no boxes, no intervals) in the order pve-firewall
builds its chains (Firewall.pm `enable_host_firewall`, `ruleset_create_vm_chain`,
`ruleset_generate_vm_rules`; route from FirewallSimulator.pm `route_packet`), and must
agree with `proxguard.firewall.zones` on the verdict and on the hop and entry that
decide it. Extends tests/test_firewall_oracle.py (single chains) to guest chains and
paths."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.firewall.views import load_network
from proxguard.firewall.zones import hops, parse
from proxguard.inputs import Snapshot

ADDRS = ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9", "203.0.113.9")
PORTS = (22, 80, 443, 8006)
NICS = {"ct101": ("10.0.0.1", "BC:24:11:00:00:01", 0), "ct101.net1": ("10.0.0.2", "BC:24:11:00:00:02", 1),
        "ct102": ("10.0.0.3", "BC:24:11:00:00:03", 0)}
MGMT_PORTS = {22, 3128, 8006} | set(range(5900, 6000)) | set(range(60000, 60051))

_ADDR = st.sampled_from([None, "10.0.0.1", "10.0.0.3", "10.0.0.0/30", "+trusted", "203.0.113.9"])
_RULE = st.fixed_dictionaries({
    "dir": st.sampled_from(["IN", "OUT"]), "action": st.sampled_from(["ACCEPT", "DROP", "REJECT"]),
    "proto": st.sampled_from(["tcp", "udp"]), "dport": st.sampled_from([None, 22, 80, 443, 8006]),
    "source": _ADDR, "dest": _ADDR, "iface": st.sampled_from([None, None, "net1"]),
})
_GUEST = st.one_of(st.none(), st.fixed_dictionaries({
    "enable": st.booleans(), "ipfilter": st.booleans(),
    "policy_in": st.sampled_from(["ACCEPT", "DROP"]), "policy_out": st.sampled_from(["ACCEPT", "DROP"]),
    "rules": st.lists(_RULE, max_size=4), "group": st.booleans()}))


def _line(r: dict[str, Any]) -> str:
    parts = [r["dir"], r["action"]]
    if r["iface"]:
        parts += ["-i", r["iface"]]
    for key in ("source", "dest"):
        if r[key]:
            parts += [f"-{key}", r[key]]
    parts += ["-p", r["proto"]]
    if r["dport"]:
        parts += ["-dport", str(r["dport"])]
    return " ".join(parts)


def _files(cl: dict[str, Any], guests: dict[int, Any], fw_flags: dict[str, bool]) -> dict[str, str]:
    cluster = (f"[OPTIONS]\nenable: 1\npolicy_in: {cl['policy_in']}\npolicy_out: {cl['policy_out']}\n\n"
               "[ALIASES]\nlocal_network 10.0.0.0/29\n\n[IPSET trusted]\n10.0.0.3\n\n"
               f"[IPSET management]\n{'10.0.0.9' if cl['mgmt'] else ''}\n\n")
    if cl["blacklist"]:
        cluster += "[IPSET blacklist]\n203.0.113.9\n\n"
    cluster += "[RULES]\n" + "".join(_line(r).replace(" -i net1", "") + "\n" for r in cl["rules"])
    cluster += "\n[group grp]\n" + "".join(_line(r) + "\n" for r in cl["group"])
    files = {"etc/pve/firewall/cluster.fw": cluster, "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 1\n"}
    conf = {101: "hostname: a\n" + f"net0: name=eth0,bridge=vmbr0,firewall={int(fw_flags['ct101'])},"
            "hwaddr=BC:24:11:00:00:01,ip=10.0.0.1/24,type=veth\n"
            f"net1: name=eth1,bridge=vmbr0,firewall={int(fw_flags['ct101.net1'])},"
            "hwaddr=BC:24:11:00:00:02,ip=10.0.0.2/24,type=veth\n",
            102: "hostname: b\nnet0: name=eth0,bridge=vmbr0,firewall="
            f"{int(fw_flags['ct102'])},hwaddr=BC:24:11:00:00:03,ip=10.0.0.3/24,type=veth\n"}
    for vmid, text in conf.items():
        files[f"etc/pve/nodes/pve1/lxc/{vmid}.conf"] = text
        g = guests.get(vmid)
        if g is not None:
            body = (f"[OPTIONS]\nenable: {int(g['enable'])}\nipfilter: {int(g['ipfilter'])}\n"
                    f"policy_in: {g['policy_in']}\npolicy_out: {g['policy_out']}\n\n[RULES]\n")
            body += ("GROUP grp\n" if g["group"] else "") + "".join(_line(r) + "\n" for r in g["rules"])
            files[f"etc/pve/firewall/{vmid}.fw"] = body
    return files


# -- the naive oracle -------------------------------------------------------------------

def _in(addr: str, spec: str | None) -> bool:
    if spec is None:
        return True
    if spec == "+trusted":
        return addr == "10.0.0.3"
    return ipaddress.ip_address(addr) in ipaddress.ip_network(spec)


def _match(r: dict[str, Any], pkt: dict[str, Any], iface: str | None) -> bool:
    return (r["proto"] == pkt["proto"] and (r["dport"] is None or r["dport"] == pkt["dport"])
            and _in(pkt["src"], r["source"]) and _in(pkt["dst"], r["dest"])
            and (r["iface"] is None or r["iface"] == iface))


def _walk(rules: list[tuple[str, dict[str, Any]]], d: str, pkt: dict[str, Any],
          iface: str | None) -> tuple[str, str] | None:
    for rid, r in rules:
        if r["dir"] == d and _match(r, pkt, iface):
            return r["action"], rid
    return None


def _host(cl: dict[str, Any], d: str, pkt: dict[str, Any]) -> tuple[str, str]:
    if d == "in" and cl["blacklist"] and pkt["src"] == "203.0.113.9":
        return "DROP", "builtin/blacklist"
    rules = [(f"fw/cluster/rule/{i}", dict(r, iface=None)) for i, r in enumerate(cl["rules"])]
    hit = _walk(rules, d.upper(), pkt, None)
    if hit:
        return hit
    local = ipaddress.ip_network("10.0.0.0/29")
    if pkt["proto"] == "tcp":
        if d == "in" and pkt["dport"] in MGMT_PORTS and (
                ipaddress.ip_address(pkt["src"]) in local or (cl["mgmt"] and pkt["src"] == "10.0.0.9")):
            return "ACCEPT", "builtin/management/in"
        if d == "out" and pkt["dport"] in MGMT_PORTS - set(range(60000, 60051)) and \
                ipaddress.ip_address(pkt["dst"]) in local:
            return "ACCEPT", "builtin/management/out"
    return cl[f"policy_{d}"], f"policy/node/pve1/{d}"


def _guest(cl: dict[str, Any], g: dict[str, Any] | None, vmid: int, zone: str, d: str,
           pkt: dict[str, Any], fw_flag: bool) -> tuple[str, str]:
    if not fw_flag:
        return "ACCEPT", "no-guest-chain"
    if d == "in" and cl["blacklist"] and pkt["src"] == "203.0.113.9":
        return "DROP", "builtin/blacklist"
    if g is None or not g["enable"]:
        return "ACCEPT", "no-guest-chain"
    iface = "net1" if zone.endswith("net1") else "net0"
    if d == "out" and g["ipfilter"] and pkt["src"] != NICS[zone][0]:
        return "DROP", "builtin/ipfilter"
    rules: list[tuple[str, dict[str, Any]]] = []
    for i, r in enumerate(([None] if g["group"] else []) + g["rules"]):
        if r is None:
            rules += [(f"fw/group/grp/rule/{k}", x) for k, x in enumerate(cl["group"])]
        else:
            rules.append((f"fw/guest/{vmid}/rule/{i}", r))
    return _walk(rules, d.upper(), pkt, iface) or (g[f"policy_{d}"], f"policy/guest/{vmid}/{d}")


def _extra(g: dict[str, Any] | None, d: str, fw_flag: bool, pkt: dict[str, Any]
           ) -> tuple[str, str] | None:
    """Conntrack first on every filtered hop; the MAC filter first in a guest's OUT chain
    (ruleset_chain_add_conn_filters, ruleset_create_vm_chain)."""
    if pkt.get("state") == "established":
        return ("ACCEPT", "builtin/conntrack") if fw_flag else ("ACCEPT", "no-guest-chain")
    if pkt.get("spoof_mac") and d == "out" and fw_flag and g is not None and g["enable"]:
        return "DROP", "builtin/macfilter"
    return None


def oracle(cl: dict[str, Any], guests: dict[int, Any], flags: dict[str, bool], src: str,
           dst: str, pkt: dict[str, Any]) -> list[tuple[str, str, str]]:
    plan: list[tuple[str, Any]] = []
    vm = {"ct101": 101, "ct101.net1": 101, "ct102": 102}
    label = {"ct101": "ct101 net0", "ct101.net1": "ct101 net1", "ct102": "ct102 net0"}
    if src in vm:
        plan.append((f"{label[src]} OUT", lambda: _guest(cl, guests.get(vm[src]), vm[src], src, "out", pkt, flags[src])))
    elif src == "host":
        plan.append(("node/pve1 OUT", lambda: _host(cl, "out", pkt)))
    if dst == "host":
        plan.append(("node/pve1 IN", lambda: _host(cl, "in", pkt)))
    else:
        if src != "host":
            plan.append(("bridge vmbr0 FORWARD", lambda: ("ACCEPT", "builtin/forward")))
        if dst in vm:
            plan.append((f"{label[dst]} IN", lambda: _guest(cl, guests.get(vm[dst]), vm[dst], dst, "in", pkt, flags[dst])))
    out = []
    for name, step in plan:
        zone = src if name.endswith(" OUT") and src in vm else dst
        if name.startswith("ct"):
            g = guests.get(vm[zone])
            early = _extra(g, "out" if name.endswith(" OUT") else "in", flags[zone], pkt)
        elif pkt.get("state") == "established":
            early = ("ACCEPT", "builtin/conntrack")
        else:
            early = None
        action, rid = early or step()
        out.append((name, action, rid))
        if action != "ACCEPT":
            break
    return out


_CLUSTER = st.fixed_dictionaries({
    "policy_in": st.sampled_from(["ACCEPT", "DROP", "REJECT"]), "policy_out": st.sampled_from(["ACCEPT", "DROP"]),
    "mgmt": st.booleans(), "blacklist": st.booleans(),
    "rules": st.lists(_RULE, max_size=5), "group": st.lists(_RULE, max_size=3)})


@settings(max_examples=40, deadline=None)
@given(_CLUSTER, _GUEST, _GUEST, st.fixed_dictionaries({z: st.booleans() for z in NICS}))
def test_paths_agree_with_the_naive_walk(cl: dict[str, Any], g101: Any, g102: Any,
                                         flags: dict[str, bool]) -> None:
    guests = {k: v for k, v in ((101, g101), (102, g102)) if v is not None}
    net, _ = load_network(Snapshot.from_texts(_files(cl, guests, flags)))
    assert net is not None
    zones = ["host", "outside", *NICS]
    for src in zones:
        for dst in zones:
            if src == dst or (src.startswith("ct101") and dst.startswith("ct101")):
                continue
            for proto in ("tcp", "udp"):
                for port in PORTS:
                    for spoof in ((None, "10.0.0.9") if src in NICS else (None,)):
                        s = f"{src}@{spoof}" if spoof else src
                        s = "outside@203.0.113.9" if src == "outside" else s
                        d = "outside@10.0.0.9" if dst == "outside" else dst
                        spec = f"{proto} {s} -> {d}:{port}"
                        probe, zs, zd, _ = parse(net, spec)
                        got = [(h.name, h.decision, h.rule) for h in hops(net, probe, zs, zd)]
                        pkt = {"proto": proto, "src": probe.packet.src, "dst": probe.packet.dst,
                               "dport": port}
                        assert got == oracle(cl, guests, flags, src, dst, pkt), spec
                    for opt, extra in ((" state established", {"state": "established"}),
                                       (" mac 02:00:00:00:00:99", {"spoof_mac": True})):
                        if "mac" in opt and src not in NICS:
                            continue
                        s = "outside@203.0.113.9" if src == "outside" else src
                        d = "outside@10.0.0.9" if dst == "outside" else dst
                        spec = f"{proto} {s} -> {d}:443{opt}"
                        probe, zs, zd, _ = parse(net, spec)
                        got = [(h.name, h.decision, h.rule) for h in hops(net, probe, zs, zd)]
                        pkt = {"proto": proto, "src": probe.packet.src, "dst": probe.packet.dst,
                               "dport": 443, **extra}
                        assert got == oracle(cl, guests, flags, src, dst, pkt), spec
