"""guest-firewall-enforced: a NIC that asks for the firewall gets a chain, with filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    inapplicable,
    passed,
)
from proxguard.rules.firewall._analysis import firewall_on
from proxguard.rules.firewall._common import PVE_FW_DOC
from proxguard.rules.firewall._paths import guest_flag, guests, network

if TYPE_CHECKING:
    from proxguard.firewall.guestnet import GuestPort

PVE_FW_SRC = Reference("pve-firewall", "src/PVE/Firewall.pm",
                       "compile_iptables_filter, ruleset_create_vm_chain, compile_ipsets")


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    if not firewall_on(host):
        return []
    net = network(host)
    out = []
    for kind, g in guests(host):
        ports = net.ports.get(f"{kind}{g.vmid}", [])
        fw = host.firewall.guests.get(str(g.vmid))
        target = f"guest/{g.vmid}"
        facts = {"vmid": g.vmid, "type": "lxc" if kind == "ct" else "qemu",
                 "tool": "pct" if kind == "ct" else "qm", "node": g.node or "",
                 "nic_fixes": [(p.nic.netid, _with_firewall(g.get(p.nic.netid) or ""))
                               for p in ports if not p.nic.firewall],
                 "new_fw": fw is None or not fw.enabled_rules("in"),
                 "ipfilter_safe": kind == "ct" and all(_static_only(g.nets[p.nic.netid])
                                                       for p in ports)}
        if not any(p.nic.firewall for p in ports) and fw is None:
            out.append(inapplicable(target, f"{kind}{g.vmid}: no NIC asks for the firewall "
                                    "(firewall=1) and there is no .fw file", g.file, 0, **facts))
            continue
        problems = _problems(kind, g.vmid, ports, fw is not None and guest_flag(fw, "enable", False))
        if not problems:
            out.append(passed(target, f"{kind}{g.vmid}: every NIC with firewall=1 has a guest "
                              "chain with the IP and MAC filters on", fw.path if fw else g.file,
                              0, **facts))
            continue
        sev, _, file, line = max(problems, key=lambda p: p[0].rank)
        out.append(failed(target, f"{kind}{g.vmid}: " + "; ".join(p[1] for p in problems),
                          file, line, severity=sev, **facts))
    return out


def _static_only(props: dict[str, str]) -> bool:
    """A container NIC whose addresses are all static (or absent): the implicit IP filter
    set holds them, so turning the filter on cuts nothing. DHCP/SLAAC addresses are not
    in the set (Firewall.pm compile_ipsets takes `ip=`/`ip6=` literals only)."""
    return all(props.get(k) in (None, "") or props[k][0].isdigit() or ":" in props[k]
               for k in ("ip", "ip6"))


def _with_firewall(value: str) -> str:
    """The NIC's property string with firewall=1 (set or added), for `pct/qm set`."""
    parts = [p for p in value.split(",") if p and not p.startswith("firewall=")]
    return ",".join([*parts, "firewall=1"])


def _problems(kind: str, vmid: int, ports: list[GuestPort], enabled: bool
              ) -> list[tuple[Severity, str, str, int]]:
    out: list[tuple[Severity, str, str, int]] = []
    for p in ports:
        nic = p.nic
        if nic.firewall and not p.chain:
            out.append((Severity.HIGH, f"{nic.netid} has firewall=1 but no chain is built "
                        f"({p.reason}): everything to and from it passes", nic.file, nic.line))
        elif not nic.firewall and enabled:
            out.append((Severity.MEDIUM, f"{nic.netid} lacks firewall=1, so the rules of "
                        f"{vmid}.fw never apply to it", nic.file, nic.line))
        elif p.chain and p.fw is not None:
            opt = p.fw.options.get("ipfilter")
            if not guest_flag(p.fw, "ipfilter", False) and f"ipfilter-{nic.netid}" not in p.fw.ipsets:
                out.append((Severity.MEDIUM, f"{nic.netid}: ipfilter is off (default), so the "
                            "guest may send from any address, another guest's or a management "
                            "address included", p.fw.path, opt.line if opt else 0))
            if not guest_flag(p.fw, "macfilter", True):
                mopt = p.fw.options.get("macfilter")
                out.append((Severity.MEDIUM, f"{nic.netid}: macfilter: 0 lets the guest send "
                            "with any source MAC", p.fw.path, mopt.line if mopt else 0))
    return out


DOCS = """\
**What is checked.** Every guest (container or VM) with a NIC that says `firewall=1`
or with a `<vmid>.fw`, against what pve-firewall actually builds (Firewall.pm
`compile_iptables_filter`): a guest chain exists only when the cluster firewall is on,
`<vmid>.fw` exists with `enable: 1` (the guest default is 0) and the NIC has
`firewall=1`. Then the chain's filters (`ruleset_create_vm_chain`): the IP filter
(`ipfilter: 1`, or an `[IPSET ipfilter-netN]`; off by default) and the MAC filter
(`macfilter`, on by default).

**How the verdict is decided.** Fail *high*: a NIC with `firewall=1` and no chain (no
`.fw`, or no `enable: 1`) — the GUI shows the firewall ticked while nothing filters.
Fail *medium*: a `.fw` with `enable: 1` whose NIC lacks `firewall=1` (its rules never
apply), `ipfilter` off (the guest can send as another guest or as a management
address), or `macfilter: 0`. Not applicable: a guest with neither `firewall=1` nor a
`.fw`, or the cluster firewall off (`firewall-disabled` judges that). The target is the
guest; the evidence lists each NIC's problem. `proxguard firewall --packet 'tcp
ct120@10.0.0.99 -> outside:443'` shows the effect hop by hop.

**Why.** A guest's firewall is what keeps a compromised guest from reaching the rest of
the network; a chain that is not built, or that lets the guest pick its source address,
only looks like one.
"""

RULE = Rule(
    id="guest-firewall-enforced",
    title="Guest firewall not enforced",
    category="firewall",
    references=(PVE_FW_DOC, PVE_FW_SRC),
    inputs=("firewall", "guests"),
    rationale="A NIC with firewall=1 is filtered only when the guest's .fw exists with "
              "enable: 1; without the IP filter the guest can spoof addresses.",
    docs=DOCS,
    remediation=Remediation(summary="Enable the guest firewall with macfilter, ipfilter where "
                            "the addresses are static, and firewall=1 on each NIC.",
                            template="firewall/guest_firewall_enforced.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.HIGH)},
)
