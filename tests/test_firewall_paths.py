"""Paths between zones, hop by hop, with the verdicts pve-firewall gives.

Each expectation cites the pve-firewall source that decides it (src/PVE/Firewall.pm,
src/PVE/FirewallSimulator.pm, read as the specification).
"""

from __future__ import annotations

from typing import Any

import pytest

from proxguard.diagnostics import Diagnostics
from proxguard.firewall.path import build_network
from proxguard.firewall.views import load_network
from proxguard.firewall.zones import path
from proxguard.inputs import Snapshot
from proxguard.parsers.corosync import parse

CLUSTER = """\
[OPTIONS]
enable: 1
policy_in: DROP

[ALIASES]
local_network 10.0.0.0/24

[IPSET management]
10.0.0.10

[IPSET blacklist]
198.51.100.66

[RULES]
IN ACCEPT -source 10.0.0.0/24 -p tcp -dport 8006

[group web]
IN ACCEPT -p tcp -dport 443
"""

HOST = "[OPTIONS]\nenable: 1\n"

CT_NOFW = "hostname: nofw\nnet0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.21/24,type=veth\n"
CT_PLAIN = "hostname: plain\nnet0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:02,ip=10.0.0.22/24,type=veth\n"
CT_TWO = ("hostname: two\n"
          "net0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:03,ip=10.0.0.23/24,type=veth\n"
          "net1: name=eth1,bridge=vmbr1,firewall=1,hwaddr=BC:24:11:00:00:04,ip=10.1.0.23/24,type=veth\n")
FW_TWO = """\
[OPTIONS]
enable: 1
ipfilter: 1
policy_out: ACCEPT

[RULES]
GROUP web
OUT DROP -i net1 -p tcp -dport 443
IN ACCEPT -source 10.0.0.10 -p tcp -dport 22
"""
CT_SET = "hostname: set\nnet0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:05,ip=10.0.0.25/24,type=veth\n"
FW_SET = "[OPTIONS]\nenable: 1\n\n[IPSET ipfilter-net0]\n10.0.0.77\n"
FW_OFF = "[OPTIONS]\nenable: 0\npolicy_in: DROP\n"
VM = "name: vm\nnet0: virtio=BC:24:11:00:00:06,bridge=vmbr0,firewall=1\n"
FW_VM = "[OPTIONS]\nenable: 1\nipfilter: 1\n"
COROSYNC = """\
nodelist {
  node {
    name: pve1
    nodeid: 1
    ring0_addr: 10.0.0.1
  }
  node {
    name: pve2
    nodeid: 2
    ring0_addr: 10.0.0.2
  }
}
totem {
  cluster_name: lab
  secauth: on
}
"""


def _files(**over: str) -> dict[str, str]:
    files = {
        "etc/pve/firewall/cluster.fw": CLUSTER,
        "etc/pve/nodes/pve1/host.fw": HOST,
        "etc/pve/nodes/pve1/lxc/101.conf": CT_NOFW,
        "etc/pve/nodes/pve1/lxc/102.conf": CT_PLAIN,
        "etc/pve/nodes/pve1/lxc/103.conf": CT_TWO,
        "etc/pve/firewall/103.fw": FW_TWO,
        "etc/pve/nodes/pve1/lxc/105.conf": CT_SET,
        "etc/pve/firewall/105.fw": FW_SET,
        "etc/pve/nodes/pve1/lxc/106.conf": CT_NOFW.replace(":01,ip=10.0.0.21", ":07,ip=10.0.0.26"),
        "etc/pve/firewall/106.fw": FW_OFF,
        "etc/pve/nodes/pve1/qemu-server/200.conf": VM,
        "etc/pve/firewall/200.fw": FW_VM,
        "etc/pve/corosync.conf": COROSYNC,
    }
    files.update(over)
    return {k: v for k, v in files.items() if v}


def run(spec: str, **over: str) -> dict[str, Any]:
    net, _ = load_network(Snapshot.from_texts(_files(**over)))
    assert net is not None
    return path(net, spec)


def hops(spec: str, **over: str) -> list[tuple[str, str, str]]:
    out = run(spec, **over)
    assert "error" not in out, out
    return [(h["hop"], h["decision"], h["rule"]) for h in out["hops"]]


def test_guest_chain_needs_nic_flag_and_enabled_fw() -> None:
    # Firewall.pm compile_iptables_filter: no chain without <vmid>.fw `enable: 1`, and
    # none for a NIC without firewall=1 (`next if !$net->{firewall}`).
    assert hops("tcp ct101 -> outside:443") == [
        ("ct101 net0 OUT", "ACCEPT", "no-guest-chain"),
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward")]
    assert hops("tcp ct106 -> outside:443")[0] == ("ct106 net0 OUT", "ACCEPT", "no-guest-chain")
    assert "enable: 1" in run("tcp ct106 -> outside:443")["hops"][0]["sentence"]
    assert hops("tcp outside -> ct102:22") == [
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward"),
        ("ct102 net0 IN", "ACCEPT", "no-guest-chain")]


def test_rules_with_iface_apply_to_that_nic_only() -> None:
    # ruleset_generate_vm_rules: `next if $rule->{iface} && $rule->{iface} ne $netid`
    assert hops("tcp ct103.net1 -> outside:443") == [
        ("ct103 net1 OUT", "DROP", "fw/guest/103/rule/1")]
    assert hops("tcp ct103 -> outside:443") == [
        ("ct103 net0 OUT", "ACCEPT", "policy/guest/103/out"),
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward")]


def test_guest_in_with_security_group_and_policy() -> None:
    assert hops("tcp outside -> ct103:443") == [
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward"),
        ("ct103 net0 IN", "ACCEPT", "fw/group/web/rule/0")]
    assert hops("tcp outside -> ct103:80")[-1] == ("ct103 net0 IN", "DROP", "policy/guest/103/in")
    # guest to guest: source OUT, the bridge, destination IN (FirewallSimulator route_packet)
    assert hops("tcp ct101 -> ct103:22") == [
        ("ct101 net0 OUT", "ACCEPT", "no-guest-chain"),
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward"),
        ("ct103 net0 IN", "DROP", "policy/guest/103/in")]
    assert hops("tcp ct101@10.0.0.10 -> ct103:22")[-1] == (
        "ct103 net0 IN", "ACCEPT", "fw/guest/103/rule/2")


def test_ipfilter_from_ip_config_and_from_the_set() -> None:
    # ipfilter: 1 without a set: link-local + ip= (compile_ipsets, LXC branch)
    assert hops("tcp ct103@10.0.0.99 -> outside:443") == [
        ("ct103 net0 OUT", "DROP", "builtin/ipfilter")]
    assert hops("tcp ct103.net1@10.1.0.23 -> outside:80")[0][1] == "ACCEPT"
    # an [IPSET ipfilter-net0] applies even without ipfilter: 1 (generate_tap_rules_direction),
    # and the container's own ip= is added to it (generate_ipset_chains device_ips)
    assert hops("tcp ct105@10.0.0.77 -> outside:443")[0] == ("ct105 net0 OUT", "ACCEPT",
                                                             "policy/guest/105/out")
    assert hops("tcp ct105 -> outside:443")[0][1] == "ACCEPT"
    assert hops("tcp ct105@10.0.0.78 -> outside:443") == [
        ("ct105 net0 OUT", "DROP", "builtin/ipfilter")]
    # link-local from the MAC is allowed, any other fe80:: is not (nomatch fe80::/10)
    assert hops("tcp ct103@[fe80::be24:11ff:fe00:3] -> [2001:db8::7]:443")[0][1] == "ACCEPT"
    assert hops("tcp ct103@[fe80::1] -> [2001:db8::7]:443")[0][2] == "builtin/ipfilter"


def test_vm_ipfilter_without_set_allows_no_ipv4() -> None:
    # a VM's addresses are not in its config: only the link-local address is in the set
    assert hops("tcp vm200@10.0.0.30 -> outside:443") == [
        ("vm200 net0 OUT", "DROP", "builtin/ipfilter")]
    out = run("tcp vm200 -> outside:443")
    assert "no static IPv4 address" in out["error"]


def test_dhcp_passes_before_the_ip_filter_and_macfilter() -> None:
    # ruleset_create_vm_chain: DHCP accept first, then MAC filter, then IP filter
    assert hops("udp ct103@0.0.0.0:68 -> 255.255.255.255:67 mac 02:00:00:00:00:99")[0] == (
        "ct103 net0 OUT", "ACCEPT", "builtin/dhcp")
    assert hops("tcp ct103 -> outside:443 mac 02:00:00:00:00:99") == [
        ("ct103 net0 OUT", "DROP", "builtin/macfilter")]
    off = FW_TWO.replace("ipfilter: 1", "ipfilter: 1\nmacfilter: 0")
    assert hops("tcp ct103 -> outside:443 mac 02:00:00:00:00:99",
                **{"etc/pve/firewall/103.fw": off})[0][1] == "ACCEPT"


def test_blacklist_before_any_rule_on_host_in_and_firewalled_ports() -> None:
    # ruleset_chain_add_input_filters on PVEFW-HOST-IN and PVEFW-FWBR-IN
    assert hops("tcp 198.51.100.66 -> host:8006") == [
        ("node/pve1 IN", "DROP", "builtin/blacklist")]
    assert hops("tcp 198.51.100.66 -> ct101:22") == [
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/forward"),
        ("ct101 net0 IN", "DROP", "builtin/blacklist")]
    # a port without firewall=1 has no fwbr: the blacklist never sees its traffic
    assert hops("tcp 198.51.100.66 -> ct102:22")[-1] == ("ct102 net0 IN", "ACCEPT",
                                                         "no-guest-chain")


def test_host_in_user_rules_then_management_then_corosync_then_policy() -> None:
    assert hops("tcp 10.0.0.50 -> host:8006") == [("node/pve1 IN", "ACCEPT", "fw/cluster/rule/0")]
    assert hops("tcp 10.0.0.10 -> host:22") == [
        ("node/pve1 IN", "ACCEPT", "builtin/management/in")]
    assert hops("tcp 203.0.113.9 -> host:22") == [
        ("node/pve1 IN", "DROP", "policy/node/pve1/in")]
    # corosync: only from the other node's ring address to ours (enable_host_firewall)
    assert hops("udp 10.0.0.2:5405 -> host:5405") == [
        ("node/pve1 IN", "ACCEPT", "builtin/corosync/in")]
    assert hops("udp 10.0.0.3:5405 -> host:5405")[-1][2] == "policy/node/pve1/in"
    out = run("udp 10.0.0.2:5405 -> host:5405")
    assert out["packet"]["dst"] == "10.0.0.1" and out["notes"] == []


def test_host_out_builtin_only_to_local_network() -> None:
    # PVEFW-HOST-OUT: `-d $localnet` (not the management ipset)
    strict = CLUSTER.replace("policy_in: DROP", "policy_in: DROP\npolicy_out: DROP")
    assert hops("tcp host -> 10.0.0.50:22", **{"etc/pve/firewall/cluster.fw": strict}) == [
        ("node/pve1 OUT", "ACCEPT", "builtin/management/out")]
    assert hops("tcp host -> 10.0.5.10:22", **{"etc/pve/firewall/cluster.fw": strict.replace(
        "10.0.0.10\n", "10.0.5.10\n")}) == [("node/pve1 OUT", "DROP", "policy/node/pve1/out")]
    assert hops("tcp host -> ct103:80") == [
        ("node/pve1 OUT", "ACCEPT", "policy/node/pve1/out"),
        ("ct103 net0 IN", "DROP", "policy/guest/103/in")]
    # ct103 (10.0.0.23) is inside local_network: the OUT built-in decides for tcp 22
    assert hops("tcp host -> ct103:22")[0] == ("node/pve1 OUT", "ACCEPT",
                                               "builtin/management/out")


def test_conntrack_first() -> None:
    assert hops("tcp outside -> ct103:80 state established") == [
        ("bridge vmbr0 FORWARD", "ACCEPT", "builtin/conntrack"),
        ("ct103 net0 IN", "ACCEPT", "builtin/conntrack")]
    assert hops("tcp outside -> host:8006 state invalid") == [
        ("node/pve1 IN", "DROP", "builtin/conntrack")]
    allow = "[OPTIONS]\nenable: 1\nnf_conntrack_allow_invalid: 1\n"
    assert hops("tcp outside -> ct102:80 state invalid",
                **{"etc/pve/nodes/pve1/host.fw": allow})[0][1] == "ACCEPT"


def test_igmp_and_ndp_accepted_on_host_in() -> None:
    # enable_host_firewall: NDP (ruleset_chain_add_ndp) and IGMP before the user rules
    assert hops("igmp outside -> host") == [("node/pve1 IN", "ACCEPT", "builtin/igmp")]
    assert hops("icmpv6 [2001:db8::9] -> host@[2001:db8::1]:135") == [
        ("node/pve1 IN", "ACCEPT", "builtin/ndp")]
    no_ndp = "[OPTIONS]\nenable: 1\nndp: 0\n"
    assert hops("icmpv6 [2001:db8::9] -> host@[2001:db8::1]:135",
                **{"etc/pve/nodes/pve1/host.fw": no_ndp})[0][2] == "policy/node/pve1/in"
    # a guest may not send router advertisements without radv: 1
    assert hops("icmpv6 ct103@[fe80::be24:11ff:fe00:3] -> [ff02::1]:134") == [
        ("ct103 net0 OUT", "DROP", "builtin/radv")]


def test_firewall_off_filters_nothing() -> None:
    off = CLUSTER.replace("enable: 1", "enable: 0")
    assert {h[1:] for h in hops("tcp ct103@10.0.0.99 -> ct103.net1:22",
                                **{"etc/pve/firewall/cluster.fw": off})} == {
        ("ACCEPT", "firewall-off")}


@pytest.mark.parametrize("spec, message", [
    ("tcp ct999 -> outside:443", "no guest config for ct999"),
    ("tcp ct103 -> ct103:22", "same zone"),
    ("tcp ct103 -> host:22 state weird", "state must be"),
    ("tcp nowhere -> host:22", "neither a zone"),
    ("tcp ct103.net7 -> host:22", "has no net7"),
    ("tcp ct103@10.0.0.1 -> [2001:db8::1]:22", "different IP versions"),
    ("garbage", "not understood"),
])
def test_bad_specs_are_plain_errors(spec: str, message: str) -> None:
    assert message in run(spec)["error"]


def test_corosync_parser_reports_lines() -> None:
    diags = Diagnostics()
    conf = parse("etc/pve/corosync.conf",
                 "nodelist {\n  node {\n    name: a\n    ring0_addr: 10.0.0.1\n    ring1_addr: "
                 "host-a\n  }\n  node {\n    ring0_addr: 10.0.0.9\n  }\n}\nwhat is this\n}\n"
                 "totem {\n  secauth: on\n", diags)
    assert list(conf.nodes) == ["a"]
    assert conf.nodes["a"].addresses == {0: ("10.0.0.1", 4), 1: ("host-a", 5)}
    assert conf.totem == {"secauth": ("on", 14)}
    got = sorted((d.line, d.level) for d in diags)
    assert got == [(0, "error"), (7, "warning"), (11, "warning"), (12, "error")]


def test_hostile_names_stay_data() -> None:
    host = "[OPTIONS]\nenable: 1\n"
    files = _files(**{"etc/pve/nodes/pve1/host.fw": "",
                      "etc/pve/nodes/$(touch x)'\n/host.fw": host})
    net, _ = load_network(Snapshot.from_texts(files))
    assert net is not None
    out = path(build_network(net.cfg, net.guests), "tcp outside -> ct103:443")
    assert out["decision"] == "ACCEPT"
