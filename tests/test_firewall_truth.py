"""Issue 11 items 3, 4, 7, 8: what Proxmox really builds and a conflict list that never
contradicts itself (severity by effect, one verdict per rule, notes apart, one
numbering, the OUT built-in, per-backend switches)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import proxguard
from proxguard.diagnostics import Diagnostics
from proxguard.firewall import analyse
from proxguard.firewall.evaluate import Packet, evaluate
from proxguard.firewall.normalise import build_chains
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig
from proxguard.model.fw_backend import perl_bool
from proxguard.parsers.pvefw import load

C = "etc/pve/firewall/cluster.fw"
NOW = 1767225600


def cfg_of(files: dict[str, str]) -> FirewallConfig:
    cfg = load(Snapshot.from_texts(files), Diagnostics())
    assert cfg is not None
    return cfg


def audit(files: dict[str, str], profile: str = "extended") -> dict[str, object]:
    return proxguard.audit(Snapshot.from_texts(files), profile=profile, now=NOW).to_json()


def finding(report: dict[str, object], rule: str) -> dict[str, object]:
    return next(f for f in report["findings"] if f["rule"] == rule)  # type: ignore[index, union-attr]


# -- item 8: severity by effect, no contradiction, notes, numbering ------------------------

def test_shadowed_drop_is_high_shadowed_accept_is_medium() -> None:
    text = ("[OPTIONS]\nenable: 1\n[RULES]\n"
            "IN ACCEPT -p tcp -dport 9000:9999\n"
            "IN DROP -p tcp -dport 9100 # the block the operator relies on\n"
            "IN DROP -p tcp -dport 7000:7999\n"
            "IN ACCEPT -p tcp -dport 7100 # a service that is never reachable\n")
    got = {c["rule"]: c["severity"] for c in analyse(cfg_of({C: text})).conflicts
           if c["type"] == "shadowing"}
    assert got == {"fw/cluster/rule/1": "high", "fw/cluster/rule/3": "medium"}
    f = finding(audit({C: text}), "fw-shadowed-rule")
    sev = {t["id"]: (t["status"], t["severity"]) for t in f["targets"]}  # type: ignore[index]
    assert sev["fw/cluster/rule/1"] == ("fail", "high")
    assert sev["fw/cluster/rule/3"] == ("fail", "medium")


def test_a_lockout_drop_is_never_also_safe_to_delete() -> None:
    """Without a local_network alias the built-in accept matches only the management
    ipset here (empty), so deleting the DROP changes nothing for the evaluator, yet with
    the real local_network it cuts management off: one verdict, lockout-risk."""
    text = "[OPTIONS]\nenable: 1\n[RULES]\nIN DROP -p tcp -dport 22\n"
    mine = [c for c in analyse(cfg_of({C: text})).conflicts if c["rule"] == "fw/cluster/rule/0"]
    assert [(c["type"], c["severity"]) for c in mine] == [("lockout-risk", "high")]


def test_notes_are_marked_and_not_counted_as_conflicts(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    text = ("[OPTIONS]\nenable: 1\n[ALIASES]\nlocal_network 10.10.0.0/24\n[RULES]\n"
            "IN DROP -p tcp -dport 9080 -source 10.9.9.9\n"
            "IN ACCEPT -p tcp -dport 9000:9099\n")
    result = analyse(cfg_of({C: text}))
    notes = [(c["type"], c["note"]) for c in result.conflicts]
    assert notes == [("generalisation", True)]
    from proxguard.cli.firewall import _conflicts_text
    assert _conflicts_text(result.conflicts)[0] == "Conflicts (0, plus 1 note(s)):"
    json.dumps(result.to_json())


def test_chain_listing_uses_the_api_position_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "etc/pve/firewall").mkdir(parents=True)
    (tmp_path / C).write_text("[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 443\n"
                              "IN DROP -p tcp -dport 443\n")
    from proxguard.cli.firewall import build, render_text
    lines = render_text(build([str(tmp_path)], None)).splitlines()
    assert lines[1].split()[:2] == ["fw/cluster/rule/0", "ok"]
    assert lines[2].split()[:2] == ["fw/cluster/rule/1", "shadowed"]
    assert not any(line.lstrip().startswith(("1.", "2.")) for line in lines)


def test_default_accept_input_with_the_firewall_off_says_it_is_moot() -> None:
    text = "[OPTIONS]\nenable: 0\npolicy_in: ACCEPT\n"
    f = finding(audit({C: text}), "default-accept-input")
    assert f["status"] == "not_applicable"
    (t,) = f["targets"]  # type: ignore[misc]
    assert t["status"] == "not_applicable" and t["line"] == 3
    assert t["evidence"].startswith("policy_in: ACCEPT (etc/pve/firewall/cluster.fw:3): moot "
                                    "while the cluster firewall is off")
    compat = finding(audit({C: text}, "compat"), "default-accept-input")
    assert compat["status"] == "fail"  # the incumbent judged the option regardless


def test_out_builtin_accepts_only_towards_local_network() -> None:
    """PVEFW-HOST-OUT accepts 8006/22/5900-5999/3128 to local_network, not to the
    management ipset (Firewall.pm enable_host_firewall)."""
    text = ("[OPTIONS]\nenable: 1\npolicy_out: DROP\n[ALIASES]\nlocal_network 10.10.0.0/24\n"
            "[IPSET management]\n10.30.0.0/24\n")
    out = next(ch for ch in build_chains(cfg_of({C: text})) if ch.name == "cluster OUT IPv4")
    to_lan = evaluate(out, Packet(6, "10.10.0.5", "10.10.0.9", 40000, 8006))
    to_mgmt = evaluate(out, Packet(6, "10.10.0.5", "10.30.0.9", 40000, 8006))
    migration = evaluate(out, Packet(6, "10.10.0.5", "10.10.0.9", 40000, 60000))
    assert (to_lan.entry.id, to_mgmt.entry.id, migration.entry.id) == (
        "builtin/management/out", "policy/cluster/out", "policy/cluster/out")
    inbound = next(ch for ch in build_chains(cfg_of({C: text})) if ch.name == "cluster IN IPv4")
    assert evaluate(inbound, Packet(6, "10.30.0.9", "10.10.0.5", 40000, 8006)).entry.id == \
        "builtin/management/in"


# -- item 4: +management holds local_network ------------------------------------------------

def test_plus_management_includes_a_known_local_network() -> None:
    text = ("[OPTIONS]\nenable: 1\n[ALIASES]\nlocal_network 10.10.0.0/24\n"
            "[IPSET management]\n10.30.0.5\n[RULES]\nIN ACCEPT -p tcp -dport 9100 -source +management\n")
    chain = next(ch for ch in build_chains(cfg_of({C: text})) if ch.name == "cluster IN IPv4")
    assert evaluate(chain, Packet(6, "10.10.0.7", "10.10.0.5", 40000, 9100)).entry.id == \
        "fw/cluster/rule/0"
    assert evaluate(chain, Packet(6, "10.30.0.5", "10.10.0.5", 40000, 9100)).entry.id == \
        "fw/cluster/rule/0"


def test_auto_detected_local_network_is_stated_as_an_assumption() -> None:
    text = ("[OPTIONS]\nenable: 1\n[IPSET management]\n10.30.0.5\n[RULES]\n"
            "IN ACCEPT -p tcp -dport 8006 -source +management\n")
    f = finding(audit({C: text}), "fw-management-exposed")
    for t in f["targets"]:  # type: ignore[union-attr]
        assert t["status"] == "pass"
        assert "local_network is auto-detected on the host" in t["evidence"], t["id"]


def test_ssh_port_from_sshd_is_judged_and_named() -> None:
    files = {C: "[OPTIONS]\nenable: 1\n[ALIASES]\nlocal_network 10.10.0.0/24\n[RULES]\n"
                "IN ACCEPT -p tcp -dport 2222\n",
             "etc/ssh/sshd_config": "Port 2222\n"}
    f = finding(audit(files), "fw-management-exposed")
    t = next(t for t in f["targets"] if t["id"] == "fw/cluster/rule/0")  # type: ignore[union-attr]
    assert t["status"] == "fail" and ":2222 is accepted" in t["evidence"]
    files["etc/ssh/sshd_config"] = "Port 22\n"
    f = finding(audit(files), "fw-management-exposed")
    t = next(t for t in f["targets"] if t["id"] == "fw/cluster/rule/0")  # type: ignore[union-attr]
    assert (t["status"], t["evidence"]) == ("pass", "IN ACCEPT -p tcp -dport 2222 (etc/pve/"
                                            "firewall/cluster.fw:6) admits no public source "
                                            "to tcp 22, 3128, 5900-5999 or 8006")


# -- item 3: host enable 0 ------------------------------------------------------------------

def test_host_enable_zero_makes_the_node_chains_inactive_with_the_line() -> None:
    cfg = cfg_of({C: "[OPTIONS]\nenable: 1\n",
                  "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 0\n",
                  "etc/pve/nodes/pve2/host.fw": "[OPTIONS]\nenable: 1\n"})
    state = {ch.name: (ch.active, ch.why_inactive) for ch in build_chains(cfg)
             if ch.family == 4 and ch.direction == "in"}
    assert state == {
        "node/pve1 IN IPv4": (False, "host firewall disabled (etc/pve/nodes/pve1/host.fw:2 "
                                     "enable: 0)"),
        "node/pve2 IN IPv4": (True, "")}


def test_node_opt_out_is_critical_with_the_cluster_on_high_with_it_off() -> None:
    host = {"etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nenable: 0\n"}
    for enable, sev in (("1", "critical"), ("0", "high")):
        for profile in ("compat", "extended"):
            f = finding(audit({C: f"[OPTIONS]\nenable: {enable}\n", **host}, profile),
                        "firewall-disabled")
            t = next(t for t in f["targets"] if t["id"] == "node/pve1")  # type: ignore[union-attr]
            assert (t["status"], t["severity"], t["file"], t["line"]) == (
                "fail", sev, "etc/pve/nodes/pve1/host.fw", 2), (enable, profile)
            assert "node pve1 has no host firewall" in t["evidence"]


# -- item 7: nftables reads booleans like proxmox-serde --------------------------------------

@pytest.mark.parametrize("value,want", [("1", True), ("0", False), ("yes", True), ("YES", True),
                                        ("true", True), ("on", True), ("no", False),
                                        ("Off", False), ("false", False), ("2", None),
                                        ("1 # on", None), ("", None)])
def test_perl_bool(value: str, want: bool | None) -> None:
    assert perl_bool(value) is want


@pytest.mark.parametrize("value", ["yes", "true", "on", "TRUE"])
def test_cluster_enable_words_are_on_for_nftables_nodes_only(value: str) -> None:
    cfg = cfg_of({C: f"[OPTIONS]\nenable: {value}\n",
                  "etc/pve/nodes/nft/host.fw": "[OPTIONS]\nnftables: 1\n",
                  "etc/pve/nodes/ipt/host.fw": "[OPTIONS]\nnftables: 0\n"})
    assert cfg.cluster_enabled("nft")[0] is True
    assert cfg.cluster_enabled("ipt")[0] is False
    assert cfg.cluster_enabled()[0] is False  # mixed: the iptables reading
    active = {ch.scope for ch in build_chains(cfg) if ch.active}
    assert active == {"node/nft"}


def test_nftables_node_reads_host_enable_words() -> None:
    cfg = cfg_of({C: "[OPTIONS]\nenable: 1\n",
                  "etc/pve/nodes/pve1/host.fw": "[OPTIONS]\nnftables: 1\nenable: no\n"})
    on, s = cfg.host_enabled("pve1")
    assert on is False and s is not None and (s.value, s.line) == ("no", 3)


def test_hostile_node_name_cannot_break_out_of_the_node_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A node name (a directory name from a tarball) with `$(…)`, quotes and a newline
    reaches the firewall-disabled node fix as data only."""
    import subprocess

    from proxguard.engine.run import Finding, TargetOutcome
    from proxguard.model.firewall import CLUSTER, HOST
    from proxguard.parsers.pvefw import parse_file
    from proxguard.remediation.scripts import render_target
    from proxguard.rule import Severity, Status
    from proxguard.rules.firewall._node_switch import node_targets
    from proxguard.rules.firewall.firewall_disabled import RULE

    marker = tmp_path / "pwned"
    evil = f"n'\"\n$(touch {marker})\n`touch {marker}`"
    cfg = FirewallConfig()
    cfg.cluster = parse_file(C, "[OPTIONS]\nenable: 1\n", CLUSTER, "cluster", Diagnostics())
    cfg.hosts[evil] = parse_file(f"etc/pve/nodes/{evil}/host.fw", "[OPTIONS]\nenable: 0\n",
                                 HOST, evil, Diagnostics())
    (t,) = node_targets(cfg)
    assert t.status.value == "fail"
    f = Finding(RULE, Severity.CRITICAL, Status.FAIL,
                [TargetOutcome(t, Status.FAIL, Severity.CRITICAL)])
    script = render_target(f, f.targets[0])
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    import sys
    sys.path.insert(0, str(Path(__file__).parent / "remediation"))
    from harness import Sandbox  # stub pvesh/sshd: the script runs to its last line

    res = Sandbox.create(tmp_path / "box").run(script)
    assert "nothing to do" in res.stdout, res.stdout + res.stderr  # it got past NODE=
    assert not marker.exists()


def test_no_contradiction_across_ip_versions() -> None:
    """IPv4 has a management network (lockout risk), IPv6 none (the DROP would look
    redundant there): the list still gives the rule one verdict."""
    text = ("[OPTIONS]\nenable: 1\n[ALIASES]\nlocal_network 10.10.0.0/24\n[RULES]\n"
            "IN DROP -p tcp -dport 22\n")
    mine = [c for c in analyse(cfg_of({C: text})).conflicts if c["rule"] == "fw/cluster/rule/0"]
    assert [c["type"] for c in mine] == ["lockout-risk"]
