"""Conflict analysis and packet trace on real .fw text: one scenario per conflict type,
Proxmox's chain order, and agreement between the index point query and the evaluator."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.firewall import analyse, trace
from proxguard.firewall.evaluate import Packet, evaluate
from proxguard.firewall.index import CandidateIndex
from proxguard.firewall.normalise import build_chains
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig
from proxguard.parsers.pvefw import load

C = "etc/pve/firewall/cluster.fw"
HEAD = "[OPTIONS]\nenable: 1\n[ALIASES]\nlocal_network 10.10.0.0/24\n[IPSET management]\n10.10.0.0/24\n"


def cfg_of(cluster: str, **more: str) -> FirewallConfig:
    files = {C: HEAD + cluster}
    files.update({k.removesuffix("__fw").replace("__", "/") + ".fw": v for k, v in more.items()})
    cfg = load(Snapshot.from_texts(files), Diagnostics())
    assert cfg is not None
    return cfg


def kinds(cfg: FirewallConfig) -> list[tuple[str, str, list[str]]]:
    return sorted((c["type"], c["rule"], c["by"]) for c in analyse(cfg).conflicts)


def test_shadowing_with_example_and_message() -> None:
    cfg = cfg_of("[RULES]\nIN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16\n"
                 "IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n")
    result = analyse(cfg)
    c = next(x for x in result.conflicts if x["type"] == "shadowing")
    assert (c["rule"], c["by"], c["severity"], c["file"], c["line"]) == (
        "fw/cluster/rule/1", ["fw/cluster/rule/0"], "high", C, 9)
    assert c["example"] == {"proto": "tcp", "src": "10.20.5.1", "dst": "192.0.2.10",
                            "sport": 49152, "dport": 443}
    assert "never matches" in c["message"] and "accepted by rule fw/cluster/rule/0" in c["message"]
    json.dumps(result.to_json())  # JSON-able as the report needs


def test_correlation_two_examples_each_confirmed() -> None:
    cfg = cfg_of("[RULES]\nIN ACCEPT -source 10.2.0.0/16 -p tcp -dport 80:90\n"
                 "IN DROP -source 10.2.5.0/24 -p tcp -dport 85:100\n")
    c = next(x for x in analyse(cfg).conflicts if x["type"] == "correlation")
    assert (c["rule"], c["by"]) == ("fw/cluster/rule/1", ["fw/cluster/rule/0"])
    overlap, own = c["examples"]
    assert overlap["dport"] in range(85, 91) and own["dport"] in range(91, 101)
    chain = next(ch for ch in build_chains(cfg) if ch.name == "cluster IN IPv4")
    assert evaluate(chain, Packet(6, overlap["src"], overlap["dst"], 49152, overlap["dport"])
                    ).entry.id == "fw/cluster/rule/0"
    assert evaluate(chain, Packet(6, own["src"], own["dst"], 49152, own["dport"])
                    ).entry.id == "fw/cluster/rule/1"


def test_generalisation_is_info() -> None:
    cfg = cfg_of("[RULES]\nIN DROP -p tcp -dport 443 -source 10.20.5.0/24\n"
                 "IN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16\n")
    assert ("generalisation", "fw/cluster/rule/1", ["fw/cluster/rule/0"]) in kinds(cfg)


def test_redundancy_up_and_down() -> None:
    cfg = cfg_of("[RULES]\nIN ACCEPT -p tcp -dport 1000:2000 -source 10.30.0.0/16\n"
                 "IN ACCEPT -p tcp -dport 1500 -source 10.30.1.0/24\nIN DROP -p udp -dport 111\n")
    found = analyse(cfg).conflicts
    up = [c for c in found if c["type"] == "redundancy" and c.get("direction") == "up"]
    down = [c for c in found if c["type"] == "redundancy" and c.get("direction") == "down"]
    assert [(c["rule"], c["by"]) for c in up] == [("fw/cluster/rule/1", ["fw/cluster/rule/0"])]
    assert [(c["rule"], c["by"]) for c in down] == [("fw/cluster/rule/2", ["policy/cluster/in"])]


def test_unreachable_unenforced_protocol_mismatch_port_overlap() -> None:
    cfg = cfg_of("[IPSET nobody]\n!10.9.0.0/16\n[RULES]\nIN ACCEPT -source +nobody -p tcp -dport 25\n"
                 "|IN ACCEPT -p tcp -dport 9000\nIN accept\nIN ACCEPT -p udp -dport 22\n"
                 "IN ACCEPT -p tcp -dport 1000:1010\nIN ACCEPT -p tcp -dport 1005:1020\n")
    got = kinds(cfg)
    assert ("unreachable", "fw/cluster/rule/0", []) in got
    assert ("unenforced", "fw/cluster/rule/1", []) in got
    assert ("unenforced", "fw/cluster/rule/2", []) in got
    assert ("protocol-mismatch", "fw/cluster/rule/3", []) in got
    assert ("port-overlap", "fw/cluster/rule/5", ["fw/cluster/rule/4"]) in got


def test_lockout_and_exposure() -> None:
    cfg = cfg_of("[RULES]\nIN DROP -p tcp -dport 22\nIN ACCEPT -p tcp -dport 8006\n")
    got = kinds(cfg)
    assert ("lockout-risk", "fw/cluster/rule/0", []) in got
    assert ("management-exposed", "fw/cluster/rule/1", []) in got


def test_exposure_says_whether_any_source_or_a_public_network_gets_in() -> None:
    cfg = cfg_of("[RULES]\nIN ACCEPT -p tcp -dport 22 -source 198.51.100.0/24\n"
                 "IN ACCEPT -p tcp -dport 8006\n")
    got = {c["rule"]: c["message"] for c in analyse(cfg).conflicts
           if c["type"] == "management-exposed"}
    assert "lets a public source network reach" in got["fw/cluster/rule/0"]
    assert "lets any source reach" in got["fw/cluster/rule/1"]


def test_host_rules_come_before_cluster_rules_and_group_inlined() -> None:
    cfg = cfg_of("[RULES]\nGROUP web -i vmbr0\nIN DROP -p tcp -dport 80\n[group web]\nIN HTTP(ACCEPT)\n",
                 etc__pve__nodes__pve1__host__fw="[RULES]\nIN REJECT -p tcp -dport 80 -source 10.9.9.9\n")
    r = trace(cfg, "tcp 10.9.9.9:40000 -> 10.0.0.5:80 in iface vmbr0")
    assert [(x["chain"], x["decision"], x["rule"]) for x in r["results"]] == [
        ("node/pve1 IN IPv4", "REJECT", "fw/node/pve1/rule/0")]
    r = trace(cfg, "tcp 10.9.9.8:40000 -> 10.0.0.5:80 in iface vmbr0")
    assert r["results"][0]["rule"] == "fw/group/web/rule/0"
    r = trace(cfg, "tcp 10.9.9.8:40000 -> 10.0.0.5:80 in iface eth1")
    assert r["results"][0]["rule"] == "fw/cluster/rule/1"


def test_trace_builtin_policy_inactive_and_errors() -> None:
    cfg = cfg_of("[RULES]\n")
    r = trace(cfg, "tcp 10.10.0.7 -> 10.0.0.5:8006 in")
    assert r["results"][0]["rule"] == "builtin/management/in"
    r = trace(cfg, "tcp 203.0.113.9 -> 10.0.0.5:8006 in")
    assert (r["results"][0]["decision"], r["results"][0]["rule"]) == ("DROP", "policy/cluster/in")
    r = trace(cfg, "udp [2001:db8::1]:5000 -> [2001:db8::2]:53 out")
    assert r["results"][0]["chain"] == "cluster OUT IPv6" and r["results"][0]["decision"] == "ACCEPT"
    off = load(Snapshot.from_texts({C: "[OPTIONS]\nenable: 0\n[RULES]\nIN DROP\n"}), Diagnostics())
    assert off is not None
    r = trace(off, "tcp 1.2.3.4 -> 10.0.0.5:22 in")
    assert (r["results"][0]["active"], r["results"][0]["decision"]) == (False, "ACCEPT")
    assert "not filtered" in r["results"][0]["sentence"]
    assert "error" in trace(cfg, "tcp 10.0.0.1 -> 2001:db8::1:22 in")
    assert "error" in trace(cfg, "hello")


def test_guest_chain_needs_enable_and_uses_own_policy() -> None:
    cfg = cfg_of("", etc__pve__firewall__100__fw="[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n"
                 "[RULES]\nIN DROP -p tcp -dport 23\n",
                 etc__pve__firewall__101__fw="[RULES]\nIN DROP\n")
    r = trace(cfg, "tcp 1.2.3.4 -> 10.0.0.5:23 in guest/100")
    assert r["results"][0]["decision"] == "DROP"
    r = trace(cfg, "tcp 1.2.3.4 -> 10.0.0.5:24 in guest/100")
    assert r["results"][0]["rule"] == "policy/guest/100/in" and r["results"][0]["decision"] == "ACCEPT"
    r = trace(cfg, "tcp 1.2.3.4 -> 10.0.0.5:24 in guest/101")
    assert r["results"][0]["active"] is False


def test_ipset_nomatch_most_specific_wins() -> None:
    cfg = cfg_of("[IPSET mix]\n10.0.0.0/8\n!10.1.0.0/16\n10.1.2.0/24\n[RULES]\n"
                 "IN ACCEPT -source +mix -p tcp -dport 80\n")
    def who(ip: str) -> str:
        return trace(cfg, f"tcp {ip} -> 10.0.0.5:80 in")["results"][0]["rule"]
    assert who("10.1.2.5") == "fw/cluster/rule/0"
    assert who("10.1.3.5") == "policy/cluster/in"
    assert who("10.200.0.1") == "fw/cluster/rule/0"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3), st.integers(0, 255), st.integers(0, 65535), st.sampled_from([6, 17, 1]))
def test_index_point_query_agrees_with_evaluator(a: int, b: int, port: int, proto: int) -> None:
    chain = _CHAIN
    p = Packet(proto, f"10.{a}.{b}.7", "10.0.0.5", 49152, port if proto != 1 else port % 256,
               "vmbr0" if b % 2 else None)
    i = CandidateIndex(chain.entries).first_match(p.point(chain))
    assert i is not None and chain.entries[i].id == evaluate(chain, p).entry.id


_CHAIN = next(ch for ch in build_chains(cfg_of(
    "[RULES]\nIN ACCEPT -source 10.1.0.0/16 -p tcp -dport 1000:2000\nIN DROP -i vmbr0 -p udp\n"
    "IN Ping(ACCEPT) -source 10.2.0.0/16\nIN REJECT -source 10.3.128.0/17\nIN Web(ACCEPT)\n"
    "IN DNS(ACCEPT) -source 10.0.0.0/8\n")) if ch.name == "cluster IN IPv4")
