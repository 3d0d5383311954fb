"""`proxguard firewall`: chains in evaluation order with rule states, conflicts with their
example packets, the --packet trace with its deciding line, JSON output, exit-code errors.
Uses the rule fixtures under tests/fixtures/ and the demos under examples/."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from proxguard.cli.firewall import add_firewall_parser, build, packet_text
from proxguard.inputs import InputError

ROOT = Path(__file__).resolve().parents[1]
HOST_SHADOW = str(ROOT / "tests/fixtures/fw-shadowed-rule/fail-host-rule-shadows-cluster-rule")
AGENT_LAB = str(ROOT / "examples/agent-lab")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="proxguard")
    add_firewall_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr().out


def test_host_rule_before_cluster_rule_and_shadowing_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["firewall", HOST_SHADOW], capsys)
    assert code == 0
    chain = out.split("\n\n")[0].splitlines()
    assert chain[0] == "Chain node/pve1 IN IPv4 (active)"
    # one numbering everywhere: the rule id (API position), no separate 1-based counter
    assert chain[1].split()[:3] == ["fw/node/pve1/rule/0", "ok", "IN"]
    assert chain[1].endswith("(etc/pve/nodes/pve1/host.fw:3)")
    assert chain[2].split()[:2] == ["fw/cluster/rule/0", "shadowed"]
    assert chain[2].endswith("(etc/pve/firewall/cluster.fw:15)")
    assert chain[3].split()[:2] == ["builtin/management/in", "built-in"]
    assert chain[4].split()[:4] == ["policy/node/pve1/in", "policy", "policy", "DROP"]
    # a shadowed ACCEPT is an availability issue: medium (a shadowed DROP is high)
    assert "  [medium] shadowing fw/cluster/rule/0 (etc/pve/firewall/cluster.fw:15)" in out
    assert "      example packet: tcp 10.10.0.1:49152 -> 192.0.2.10:9100" in out


def test_packet_trace_prints_the_deciding_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["firewall", HOST_SHADOW, "--packet",
                     "tcp 10.10.0.7:40000 -> 10.0.0.5:9100 in"], capsys)
    assert code == 0
    assert out.splitlines()[:3] == [
        "Packet tcp 10.10.0.7:40000 -> 10.0.0.5:9100 (IN):",
        "  node/pve1 IN IPv4: DROP by fw/node/pve1/rule/0 (etc/pve/nodes/pve1/host.fw:3).",
        "      deciding line etc/pve/nodes/pve1/host.fw:3: IN DROP -p tcp -dport 9000:9200",
    ]


def test_trace_to_the_policy_names_the_policy_line(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(["firewall", AGENT_LAB, "--packet", "tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in"],
                 capsys)
    assert "  node/pve1 IN IPv4: DROP by policy/node/pve1/in (etc/pve/firewall/cluster.fw:4)." in out
    assert "      deciding line etc/pve/firewall/cluster.fw:4: " in out


def test_json_format_groups_rules_inlined_from_a_security_group(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["firewall", AGENT_LAB, "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    chain = next(c for c in data["chains"] if c["name"] == "guest/120 OUT IPv4")
    assert [(e["id"], e["via"], e["state"]) for e in chain["entries"]] == [
        ("fw/group/sandbox-egress/rule/0", "fw/guest/120/rule/0", "ok"),
        ("fw/group/sandbox-egress/rule/1", "fw/guest/120/rule/0", "ok"),
        ("fw/group/sandbox-egress/rule/2", "fw/guest/120/rule/0", "ok"),
        ("policy/guest/120/out", None, "policy"),
    ]
    assert "trace" not in data


def test_disabled_and_refused_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fw = tmp_path / "etc/pve/firewall/cluster.fw"
    fw.parent.mkdir(parents=True)
    fw.write_text("[OPTIONS]\nenable: 1\n[RULES]\n|IN ACCEPT -p tcp -dport 22\n"
                  "IN ACCEPT --iface vmbr0 -p tcp -dport 80\nIN ACCEPT -p tcp -dport 443\n"
                  "IN ACCEPT -p udp -dport 22\n")
    data = build([str(tmp_path)], None)
    assert [(r["id"], r["enabled"]) for r in data["unenforced"]] == [
        ("fw/cluster/rule/0", False), ("fw/cluster/rule/1", True)]
    chain = next(c for c in data["chains"] if c["name"] == "cluster IN IPv4")
    assert [(e["id"], e["state"]) for e in chain["entries"]] == [
        ("fw/cluster/rule/2", "ok"), ("fw/cluster/rule/3", "protocol-mismatch"),
        ("builtin/management/in", "built-in"), ("policy/cluster/in", "policy")]
    _, out = run(["firewall", str(tmp_path)], capsys)
    assert "  [medium] unenforced fw/cluster/rule/0 (etc/pve/firewall/cluster.fw:4)" in out


def test_no_firewall_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "etc/ssh").mkdir(parents=True)
    (tmp_path / "etc/ssh/sshd_config").write_text("Port 22\n")
    with pytest.raises(InputError, match="no Proxmox firewall file found"):
        build([str(tmp_path)], None)


def test_bad_packet_spec_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="--packet: packet spec not understood"):
        build([HOST_SHADOW], "tcp to 10.0.0.5 port 22")
    with pytest.raises(ValueError, match="--packet: not an IP address"):
        build([HOST_SHADOW], "tcp 10.0.0.300:1 -> 10.0.0.5:22 in")


def test_packet_text_round_trips_the_spec_forms() -> None:
    assert packet_text({"proto": "tcp", "src": "2001:db8::9", "dst": "2001:db8::10",
                        "sport": 49152, "dport": 22}) == "tcp [2001:db8::9]:49152 -> [2001:db8::10]:22"
    assert packet_text({"proto": "icmp", "src": "10.0.0.1", "dst": "10.0.0.2",
                        "icmp_type": 8}) == "icmp 10.0.0.1 -> 10.0.0.2 type 8"
    assert packet_text({"proto": "gre", "src": "10.0.0.1", "dst": "10.0.0.2",
                        "iface": "vmbr0"}) == "gre 10.0.0.1 -> 10.0.0.2 iface vmbr0"
