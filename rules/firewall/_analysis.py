"""Shared by the extended fw-* rules: one conflict analysis per audit, and API paths.

`analyse` memoises per FirewallConfig, so the four rules and the report's firewall section
share one analysis; each rule turns its conflict type into per-rule targets.
"""

from __future__ import annotations

from typing import Any

from proxguard.firewall import analyse
from proxguard.firewall.result import ConflictRecord
from proxguard.model.firewall import FirewallConfig, FwRule
from proxguard.model.host import Host


def conflicts(cfg: FirewallConfig, kind: str) -> dict[str, ConflictRecord]:
    """rule id → its conflict of `kind` (the first, most severe one)."""
    out: dict[str, ConflictRecord] = {}
    for c in analyse(cfg).of_type(kind):  # memoised per config: one analysis per audit
        out.setdefault(c["rule"], c)
    return out


def firewall_on(host: Host) -> bool:
    on, _ = host.firewall.cluster_enabled()
    return bool(on)


def api_path(rule: FwRule) -> str:
    """The pvesh path of the rule, or "" when it depends on facts not in the files (the
    node and type of a guest)."""
    scope, pos = rule.scope, rule.index
    if scope == "cluster":
        return f"/cluster/firewall/rules/{pos}"
    if scope.startswith("node/"):
        node = scope[5:]
        return "" if node == "local" else f"/nodes/{node}/firewall/rules/{pos}"
    if scope.startswith("group/"):
        return f"/cluster/firewall/groups/{scope[6:]}/{pos}"
    return ""


def facts(rule: FwRule) -> dict[str, Any]:
    return {"rule_id": rule.id, "api_path": api_path(rule), "raw": rule.raw.strip(),
            "where": rule.where, "scope": rule.scope, "rule_file": rule.file,
            "action": rule.action, "macro": rule.macro or "", "dport": rule.dport or ""}


def host_rules(cfg: FirewallConfig, direction: str | None = None) -> list[FwRule]:
    """Enforced rules of cluster.fw, host.fw files and security groups."""
    out = [r for f in cfg.host_rule_files() for r in f.rules]
    if cfg.cluster is not None:
        out += [r for g in cfg.cluster.groups.values() for r in g.rules]
    return [r for r in out if r.enforced and r.direction != "group"
            and (direction is None or r.direction == direction)]
