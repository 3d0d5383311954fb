"""The firewall as people read it: chains and files, each rule with its state.

`proxguard firewall` and the web page's Firewall tab show the same thing, so the view is
built once here from the analysis (`proxguard.firewall.analyse`) and the chains it ran on.
Nothing is judged here: a rule's state is the conflict the analysis proved for it (or
that Proxmox never enforces it); this module only decides how to lay that out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.firewall.conflicts import CONFLICT_TYPES
from proxguard.firewall.guestnet import flag
from proxguard.firewall.normalise import Chain, build_chains
from proxguard.firewall.path import Network, build_network
from proxguard.firewall.result import FirewallAnalysis
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig, FwFile, FwRule
from proxguard.parsers import corosync, guest, pvefw


def load_firewall(snapshot: Snapshot) -> tuple[FirewallConfig | None, Diagnostics]:
    """Parse only the firewall files of a snapshot (the other domains are not needed)."""
    diags = Diagnostics()
    diags.extend(snapshot.diagnostics)
    cfg = pvefw.load(snapshot, diags)
    if cfg is not None:
        cfg.corosync = corosync.load(snapshot, diags)
    return cfg, diags


def load_network(snapshot: Snapshot, local_network: str | None = None
                 ) -> tuple[Network | None, Diagnostics]:
    """The firewall files plus guest configs and corosync.conf: the path model."""
    cfg, diags = load_firewall(snapshot)
    if cfg is None:
        return None, diags
    return build_network(cfg, guest.load(snapshot, diags), local_network), diags


def guest_ports_of(cfg: FirewallConfig, snapshot: Snapshot) -> list[dict[str, Any]]:
    """guest_ports() for a firewall already loaded from `snapshot`: the guest configs are
    read, the firewall files not again, and no chain is built (the ports do not need one)."""
    net = build_network(cfg, guest.load(snapshot, Diagnostics()), with_chains=False)
    return guest_ports(net)


def rule_state(rule: FwRule, types: Iterable[str]) -> str:
    """One word for the rule: disabled / unenforced / the worst proven conflict / ok."""
    if not rule.enabled:
        return "disabled"
    found = set(types)
    for t in CONFLICT_TYPES:  # in labelling precedence
        if t.id in found:
            return t.state
    return "ok"


def conflicts_by_rule(analysis: FirewallAnalysis, chain: str | None = None
                      ) -> dict[str, list[int]]:
    """Rule id → indices into analysis.conflicts naming it (as the rule or a cause).
    With `chain`, only conflicts that hold in that chain (or in no chain in particular)."""
    out: dict[str, list[int]] = {}
    for i, c in enumerate(analysis.conflicts):
        if chain is not None and c["chains"] and chain not in c["chains"]:
            continue
        for rid in [c["rule"], *c["by"]]:
            out.setdefault(rid, []).append(i)
    return out


def _own_types(analysis: FirewallAnalysis, idxs: list[int], rid: str) -> list[str]:
    return [analysis.conflicts[i]["type"] for i in idxs
            if analysis.conflicts[i]["rule"] == rid]


def chain_views(cfg: FirewallConfig, analysis: FirewallAnalysis,
                local_network: str | None = None) -> list[dict[str, Any]]:
    """Every chain in evaluation order, each entry with its state (for the CLI)."""
    rules = {r.id: r for r in cfg.all_rules()}
    return [_chain_view(ch, analysis, rules) for ch in build_chains(cfg, local_network)]


def _chain_view(ch: Chain, analysis: FirewallAnalysis, rules: dict[str, FwRule]
                ) -> dict[str, Any]:
    by_rule = conflicts_by_rule(analysis, ch.name)
    entries = []
    for pos, e in enumerate(ch.entries, start=1):
        idxs = by_rule.get(e.id, [])
        rule = rules.get(e.id)
        if rule is not None:
            state = rule_state(rule, _own_types(analysis, idxs, e.id))
            text = rule.raw.strip(" \t\r")
        else:
            state = "policy" if e.id.startswith("policy/") else "built-in"
            text = _builtin_text(e.id, e.action, bool(e.region))
        entries.append({"pos": pos, "id": e.id, "action": e.action, "state": state,
                        "file": e.file, "line": e.line, "text": text, "via": e.via,
                        "conflicts": idxs})
    return {"name": ch.name, "scope": ch.scope, "direction": ch.direction,
            "family": ch.family, "active": ch.active, "inactive_reason": ch.why_inactive,
            "entries": entries,
            "unmodelled": [{"rule": r.id, "reason": why} for r, why in ch.unmodelled]}


def scope_views(cfg: FirewallConfig, analysis: FirewallAnalysis) -> list[dict[str, Any]]:
    """Each file's rules in the order pve-firewall evaluates them within that file, with
    security groups expanded in place under their GROUP line (for the web page)."""
    by_rule = conflicts_by_rule(analysis)
    out = []
    for f in _files_in_order(cfg):
        rows: list[dict[str, Any]] = []
        for rule in f.rules:
            rows.append(_row(rule, analysis, by_rule, depth=0))
            if rule.direction == "group":
                group = cfg.cluster.groups.get(rule.action) if cfg.cluster else None
                for g in group.rules if group else ():
                    rows.append(_row(g, analysis, by_rule, depth=1, via=rule.id))
        out.append({"scope": f.scope, "file": f.path, "kind": f.kind, "title": _title(f),
                    "rows": rows, "note": _note(f)})
    return out


def _files_in_order(cfg: FirewallConfig) -> list[FwFile]:
    files = [cfg.hosts[n] for n in sorted(cfg.hosts)]
    if cfg.cluster is not None:
        files.insert(0, cfg.cluster)
    files.extend(cfg.guests[v] for v in sorted(cfg.guests, key=lambda v: (len(v), v)))
    return files


def _title(f: FwFile) -> str:
    if f.kind == "cluster":
        return "Cluster (cluster.fw)"
    return f"Node {f.name} (host.fw)" if f.kind == "host" else f"Guest {f.name} ({f.name}.fw)"


def _note(f: FwFile) -> str:
    # formats.md §1.9-1.10: host rules are walked before the cluster rules in host chains
    if f.kind == "host":
        return "Evaluated before the cluster rules in this node's host chains."
    if f.kind == "cluster":
        return "Evaluated after each node's host.fw rules, before the built-in accepts and the policy."
    return "The guest's own chain: its rules, then its policy."


def _row(rule: FwRule, analysis: FirewallAnalysis, by_rule: dict[str, list[int]], depth: int,
         via: str | None = None) -> dict[str, Any]:
    idxs = by_rule.get(rule.id, [])
    return {"id": rule.id, "file": rule.file, "line": rule.line, "depth": depth, "via": via,
            "direction": rule.direction.upper(), "action": rule.action,
            "macro": rule.macro, "proto": rule.proto or "", "dport": rule.dport or "",
            "sport": rule.sport or "", "source": rule.source or "", "dest": rule.dest or "",
            "state": rule_state(rule, _own_types(analysis, idxs, rule.id)),
            "text": rule.raw.strip(" \t\r"), "errors": list(rule.errors),
            "conflicts": idxs, "movable": depth == 0}


def guest_ports(net: Network) -> list[dict[str, Any]]:
    """Each guest NIC: does it get a chain, and with which filters (the path model)."""
    out = []
    for gps in net.ports.values():
        for gp in gps:
            nic = gp.nic
            out.append({
                "port": nic.label, "zone": nic.zone, "net": nic.netid, "bridge": nic.bridge,
                "firewall": nic.firewall, "chain": gp.chain, "reason": gp.reason,
                "ip": nic.ip4, "ip6": nic.ip6, "file": nic.file, "line": nic.line,
                "ipfilter": net.filters.get((nic.zone, nic.netid, 4)) is not None,
                "macfilter": gp.chain and nic.mac is not None and flag(gp.fw, "macfilter", True),
                "chains": [f"guest/{nic.vmid} {d.upper()} IPv{f}" for f in (4, 6)
                           for d in ("in", "out")] if gp.chain else [],
            })
    return out


def local_network_view(cfg: FirewallConfig, given: str | None) -> dict[str, Any]:
    """Which local_network the analysis used: the cluster.fw alias (what Proxmox uses
    when it exists), else the one given on the command line, else unknown (assumed)."""
    alias = cfg.cluster.aliases.get("local_network") if cfg.cluster else None
    if alias is not None:
        note = "" if given in (None, alias.cidr) else f"; --local-network {given} ignored"
        return {"value": alias.cidr, "source": f"cluster.fw [ALIASES] line {alias.line}{note}"}
    if given is not None:
        return {"value": given, "source": "given with --local-network"}
    return {"value": None, "source": "auto-detected on the host, not in these files: "
            "rules naming it are not modelled and the built-in accepts are assumed to "
            "admit it"}


_BUILTIN_TEXT = {
    "builtin/management/in": "ACCEPT tcp 22, 3128, 5900-5999, 8006, 60000-60050 from "
                             "management and local_network",
    "builtin/management/out": "ACCEPT tcp 22, 3128, 5900-5999, 8006 to local_network",
    "builtin/corosync/in": "ACCEPT udp 5404-5405 from the other nodes' corosync ring "
                           "addresses (corosync.conf)",
    "builtin/corosync/out": "ACCEPT udp 5404-5405 to the other nodes' corosync ring "
                            "addresses (corosync.conf)",
}


def _builtin_text(eid: str, action: str, matches: bool) -> str:
    if eid.startswith("policy/"):
        return f"policy {action}"
    text = _BUILTIN_TEXT.get(eid, eid)
    if not matches:
        text += (" (no management source known: matches nothing)" if eid.endswith("/in")
                 else " (local_network unknown: matches nothing)")
    return text
