"""The combined fix plan never locks the operator out (issue 11 item 14).

Every step of the plan (the fixes in the plan's order, each as the combined script runs
it) is applied to a copy of the host on the stub harness; after each step the configs
are re-read and the firewall evaluated with the engine's own chains and first-match
evaluator: the admin address must still reach 8006 and every port sshd listens on then,
on every node chain Proxmox builds. Demos and hypothesis-generated hosts, both profiles.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from harness import EXAMPLES, Sandbox

import proxguard
from proxguard.firewall.evaluate import Packet, evaluate
from proxguard.firewall.normalise import build_chains
from proxguard.inputs import Snapshot
from proxguard.parsers.host import build_host
from proxguard.remediation.plan import plan

NOW = 1767225600
NODE_ADDR = "198.51.100.10"  # the node's own address in the evaluated packets
EXAMPLES_N = int(os.environ.get("PROXGUARD_LOCKOUT_EXAMPLES", "6"))


def reach(root: Path, admin: str) -> list[str]:
    """What the admin cannot reach now: "<chain>: tcp/<port> <action> by <entry>"."""
    host = build_host(Snapshot.from_paths([root]), now=NOW)
    cfg = host.firewall
    if cfg is None:
        return []  # no firewall file on the host: nothing filters
    ssh = [p for p, _ in host.sshd.ports()] if host.sshd is not None else [22]
    ports = sorted({8006, *ssh})
    out = []
    for chain in build_chains(cfg):
        if not chain.active or chain.direction != "in" or chain.family != 4 \
                or chain.scope.startswith("guest/"):
            continue
        for port in ports:
            v = evaluate(chain, Packet(6, admin, NODE_ADDR, 40000, port))
            if v.action != "ACCEPT":
                out.append(f"{chain.name}: tcp/{port} {v.action} by {v.entry.id}")
    return out


def admin_for(root: Path) -> str | None:
    """An address the operator can work from before any fix: the public test address,
    else the first address of local_network or of the management ipset."""
    candidates = ["192.0.2.50"]
    cluster = root / "etc/pve/firewall/cluster.fw"
    for line in cluster.read_text().splitlines() if cluster.exists() else []:
        for word in line.split("#")[0].split():
            try:
                net = ipaddress.ip_network(word, strict=False)
            except ValueError:
                continue
            if net.version == 4:
                candidates.append(str(net.network_address + (1 if net.num_addresses > 2 else 0)))
    return next((a for a in candidates if not reach(root, a)), None)


def replay(box: Sandbox, profile: str, admin: str) -> list[str]:
    """Apply the plan step by step; the lockouts found after each step."""
    report = proxguard.audit(proxguard.load_snapshot([box.root]), profile=profile, now=NOW)
    for stale in box.root.glob("commands/sshd-T*"):
        stale.unlink()  # a capture from before the fixes; the stub's sshd -T is live
    problems = []
    for step in plan(report.findings):
        if step.error or not step.script:
            continue
        res = box.run(step.script, ADMIN_IP=admin, PROXGUARD_CONFIRM="1")
        problems += [f"after {step.label}: {p}" for p in reach(box.root, admin)]
        if res.returncode != 0 and step.phase.guard:
            break  # the combined script stops the run here too
    return problems


@pytest.mark.parametrize("profile", ["compat", "extended"])
@pytest.mark.parametrize("demo", ["fresh-install", "agent-lab", "hardened"])
def test_demo_plans_keep_the_admin_in(demo: str, profile: str, tmp_path: Path) -> None:
    box = Sandbox.create(tmp_path, EXAMPLES / demo)
    admin = admin_for(box.root)
    assert admin is not None, f"{demo}: no address reaches the host before the fixes"
    assert replay(box, profile, admin) == []


def test_the_check_sees_a_lockout(tmp_path: Path) -> None:
    """The referee can fail: sshd on 2222 behind an enabled firewall that accepts only
    the built-in ports is reported."""
    box = Sandbox.create(tmp_path)
    _write(box.root, {"etc/ssh/sshd_config": "Port 2222\n",
                      "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n\n[RULES]\n"
                      "IN ACCEPT -p tcp -dport 8006 -source 192.0.2.50\n"})
    assert reach(box.root, "192.0.2.50") == [
        "cluster IN IPv4: tcp/2222 DROP by policy/cluster/in"]


def test_port_change_behind_an_enabled_firewall_is_accepted_first(tmp_path: Path) -> None:
    """The case of the issue: the firewall is on, sshd moves to 2222; the plan's own step
    accepts 2222 for the admin before the port changes."""
    box = Sandbox.create(tmp_path)
    _write(box.root, {"etc/ssh/sshd_config": "PermitRootLogin prohibit-password\n",
                      "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n\n[RULES]\n"
                      "IN ACCEPT -p tcp -dport 22 -source 192.0.2.50\n"
                      "IN ACCEPT -p tcp -dport 8006 -source 192.0.2.50\n"})
    report = proxguard.audit(proxguard.load_snapshot([box.root]), profile="compat", now=NOW)
    labels = [s.label for s in plan(report.findings)]
    assert labels.index("ssh-port-accept tcp/2222") < labels.index("ssh-default-port host")
    only = [s.label for s in plan(report.findings, ["ssh-default-port"])]
    assert only == ["ssh-port-accept tcp/2222", "ssh-default-port host"]
    assert [s.label for s in plan(report.findings, ["password-auth-enabled"])] == [
        "password-auth-enabled host"]
    assert replay(box, "compat", "192.0.2.50") == []


def test_restricting_world_open_management_rules_keeps_the_admin_in(tmp_path: Path) -> None:
    """fw-management-exposed narrows world-open rules the admin works through: its fix
    accepts the admin first, and finds its rule again after accepts were inserted above."""
    box = Sandbox.create(tmp_path)
    _write(box.root, {"etc/ssh/sshd_config": "PasswordAuthentication no\nPort 2222\n",
                      "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n\n[ALIASES]\n"
                      "local_network 10.10.0.0/24\n\n[IPSET management]\n10.20.0.0/24\n\n"
                      "[RULES]\nIN ACCEPT -p tcp -dport 2222\nIN ACCEPT -p tcp -dport 8006\n"})
    assert replay(box, "extended", "192.0.2.50") == []
    rules = (box.root / "etc/pve/firewall/cluster.fw").read_text().split("[RULES]\n")[1]
    assert rules.splitlines() == [
        "IN ACCEPT -source 192.0.2.50 -p tcp -dport 2222 # proxguard-mgmt: tcp/2222 from admin",
        "IN ACCEPT -source 192.0.2.50 -p tcp -dport 8006 # proxguard-mgmt: tcp/8006 from admin",
        "IN ACCEPT -source +management -p tcp -dport 2222",
        "IN ACCEPT -source +management -p tcp -dport 8006"]


# -- generated hosts -------------------------------------------------------------------

_SRC = st.sampled_from(["", " -source 192.0.2.50", " -source 10.10.0.0/24",
                        " -source 203.0.113.0/24"])
_PORT = st.sampled_from(["22", "8006", "2222", "443", "9000:9999"])
_RULE = st.builds(lambda a, p, s: f"IN {a} -p tcp -dport {p}{s}",
                  st.sampled_from(["ACCEPT", "DROP", "REJECT"]), _PORT, _SRC)


@st.composite
def hosts(draw: st.DrawFn) -> dict[str, str]:
    opts = [f"enable: {v}" for v in draw(st.sampled_from([[], ["0"], ["1"]]))]
    opts += [f"policy_in: {v}" for v in draw(st.sampled_from([[], ["ACCEPT"], ["DROP"]]))]
    cluster = "[OPTIONS]\n" + "\n".join(opts) + "\n\n"
    local = draw(st.sampled_from([None, "10.10.0.0/24", "192.0.2.0/24"]))
    if local:
        cluster += f"[ALIASES]\nlocal_network {local}\n\n"
    mgmt = draw(st.lists(st.sampled_from(["10.20.0.0/24", "192.0.2.50", "203.0.113.7"]),
                         max_size=2, unique=True))
    if mgmt:
        cluster += "[IPSET management]\n" + "\n".join(mgmt) + "\n\n"
    cluster += "[RULES]\n" + "\n".join(draw(st.lists(_RULE, max_size=4))) + "\n"
    files = {"etc/pve/firewall/cluster.fw": cluster}
    host_opts = draw(st.sampled_from([None, "", "enable: 0\n", "enable: 1\n"]))
    if host_opts is not None:
        rules = draw(st.lists(_RULE.filter(lambda r: "ACCEPT" in r), max_size=2))
        files["etc/pve/nodes/pve1/host.fw"] = (f"[OPTIONS]\n{host_opts}\n[RULES]\n"
                                               + "\n".join(rules) + "\n")
    ports = draw(st.sampled_from([[], ["22"], ["2222"], ["22", "2222"]]))
    sshd = "".join(f"Port {p}\n" for p in ports)
    sshd += draw(st.sampled_from(["", "PermitRootLogin yes\n", "PasswordAuthentication yes\n"]))
    files["etc/ssh/sshd_config"] = sshd
    return files


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@settings(max_examples=EXAMPLES_N, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=hosts(), profile=st.sampled_from(["compat", "extended"]))
def test_generated_plans_keep_the_admin_in(files: dict[str, str], profile: str,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    box = Sandbox.create(tmp_path_factory.mktemp("host"))
    _write(box.root, files)
    admin = admin_for(box.root)
    assume(admin is not None)  # a host nobody can manage now has nothing to keep open
    assert admin is not None
    assert replay(box, profile, admin) == [], files
