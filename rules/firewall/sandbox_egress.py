"""sandbox-egress: a sandbox guest can reach the internet or the node's management ports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
    unassessed,
)
from proxguard.rules.firewall._analysis import firewall_on
from proxguard.rules.firewall._common import PVE_FW_DOC
from proxguard.rules.firewall._paths import guests, network, probe, sandbox_reason
from proxguard.rules.firewall.guest_firewall_enforced import PVE_FW_SRC

INTERNET = "198.51.100.7"  # a public destination beyond the bridge (TEST-NET-2)
EGRESS = (("tcp", 443), ("tcp", 80), ("tcp", 22), ("udp", 53))


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    if not firewall_on(host):
        return []
    net = network(host)
    ssh = sorted(set(host.firewall.ssh_ports))
    out = []
    for kind, g in guests(host):
        why = sandbox_reason(g, params)
        if why is None:
            continue
        zone, target = f"{kind}{g.vmid}", f"guest/{g.vmid}"
        ports = net.ports.get(zone, [])
        facts: dict[str, Any] = {"vmid": g.vmid, "sandbox": why}
        if not ports:
            out.append(passed(target, f"{zone} ({why}) has no NIC", g.file, 0, **facts))
            continue
        nic = ports[0].nic
        if nic.ip4 is None:
            out.append(unassessed(target, f"{zone} ({why}) has no static IPv4 address, so its "
                                  "paths cannot be traced", nic.file, nic.line, **facts))
            continue
        web = _reach(net, zone, [(p, f"{INTERNET}:{n}", f"{p}/{n}") for p, n in EGRESS])
        node = _reach(net, zone, [("tcp", f"host:{n}", f"tcp/{n}") for n in sorted({8006, *ssh})])
        if not web and not node:
            out.append(passed(target, f"{zone} ({why}) reaches neither the internet (tcp 443, "
                              "80, 22, udp 53) nor the node's 8006/SSH", nic.file, nic.line,
                              **facts))
            continue
        parts = [f"the internet on {', '.join(w for w, _ in web)}"] if web else []
        parts += [f"the node on {', '.join(w for w, _ in node)}"] if node else []
        reached = " and ".join(parts)
        first = (web or node)[0][1]
        out.append(failed(target, f"{zone} ({why}) reaches {reached}; first: {first}",
                          nic.file, nic.line, severity=Severity.HIGH if node else None,
                          **facts, reached=reached))
    return out


def _reach(net: Any, zone: str, probes: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    out = []
    for proto, dst, what in probes:
        res = probe(net, f"{proto} {zone} -> {dst}")
        if res.get("decision") == "ACCEPT":
            hops = res["hops"]
            out.append((what, "; ".join(h["sentence"] for h in hops[:1])))
    return out


DOCS = """\
**What is a sandbox.** A guest tagged `sandbox` (`tags:` in its config; the tags are a
parameter), or a stopped-by-default guest kept from a clean snapshot: no `onboot: 1` and
a snapshot named `pristine`, `clean` or `base` (parameter). These are the build and
test containers of a lab that runs untrusted code (pull requests, agent tool calls) and
rolls back after each job.

**What is checked.** For each sandbox, the path model (`proxguard.firewall.path`) runs
from the guest's first NIC: to a public address beyond the bridge (198.51.100.7) on tcp
443, 80, 22 and udp 53, and to the node on tcp 8006 and every SSH port. Each path
crosses the guest's OUT chain, then the bridge or the host IN chain.

**How the verdict is decided.** Fail (*medium*) when any internet path is accepted;
*high* when the node's API or SSH is. The evidence names what is reached and the hop
that accepted it. Pass when every path is dropped. Not assessed without a static
address. `proxguard firewall SNAPSHOT --packet 'tcp ct120 -> 198.51.100.7:443'` shows
the hops.

**Why.** Untrusted code in a sandbox that can open connections to the internet can
exfiltrate whatever it reads (tokens, source) and fetch second stages; package
downloads should go through a mirror or proxy named by address.
"""

RULE = Rule(
    id="sandbox-egress",
    title="Sandbox guest can reach the internet or the node",
    category="firewall",
    references=(PVE_FW_DOC, PVE_FW_SRC),
    inputs=("firewall", "guests"),
    rationale="Sandboxes run untrusted code; open egress lets it exfiltrate data or reach "
              "the node's management ports.",
    docs=DOCS,
    remediation=Remediation(summary="Restrict sandbox OUT rules to named mirrors; keep "
                            "policy_out DROP.", template="firewall/sandbox_egress.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM, {"sandbox_tags": ("sandbox",),
                                                   "sandbox_snapshots": ("pristine", "clean",
                                                                         "base")})},
)
