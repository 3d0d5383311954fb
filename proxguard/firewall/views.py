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
from proxguard.firewall.normalise import Chain, build_chains
from proxguard.firewall.result import FirewallAnalysis
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig, FwFile, FwRule
from proxguard.parsers import pvefw


def load_firewall(snapshot: Snapshot) -> tuple[FirewallConfig | None, Diagnostics]:
    """Parse only the firewall files of a snapshot (the other domains are not needed)."""
    diags = Diagnostics()
    diags.extend(snapshot.diagnostics)
    return pvefw.load(snapshot, diags), diags


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
            text = (f"policy {e.action}" if e.id.startswith("policy/") else
                    "ACCEPT tcp 22, 3128, 5900-5999, 8006, 60000-60050 from management "
                    "and local_network")
            if not e.region:
                text += " (no management source known: matches nothing)"
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
