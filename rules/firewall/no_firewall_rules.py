"""no-firewall-rules: no firewall rule is defined."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.firewall import FirewallConfig, FwRule
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
    passed,
)
from proxguard.rules.firewall._common import PHG_ENABLE, PVE_FW_DOC


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: FirewallConfig = host.firewall
    path = cfg.cluster.path
    if params.get("mode") == "compat":
        rules = _compat_rules(cfg)
        if rules:
            return [passed("host", f"{len(rules)} enforced rule(s) in {path} [RULES] and "
                           f"[GROUP] sections, first at {rules[0].where}", path, rules[0].line)]
        return [failed("host", f"no enforced rule in {path} [RULES] or [GROUP] sections"
                       + _unenforced_note(cfg.cluster.rules), path, 0)]
    on, _ = cfg.cluster_enabled()
    if not on:
        return []  # nothing is enforced anyway; firewall-disabled scores that
    live = _nodes_with_host_firewall(cfg)
    if cfg.hosts and not live:
        return []  # every node opted out (host.fw enable: 0); firewall-disabled scores that
    node_of = {f.path: node for node, f in cfg.hosts.items()}
    rules = [r for r in _effective_in_rules(cfg) if _applies(r, node_of, live)]
    if rules:
        return [passed("host", f"{len(rules)} enabled inbound rule(s) for the nodes, first "
                       f"at {rules[0].where}", rules[0].file, rules[0].line)]
    files = ", ".join(f.path for f in cfg.host_rule_files())
    pol = cfg.policy_in()
    return [failed("host", f"no enabled IN rule in {files}; inbound access is decided only by "
                   f"the built-in management accepts and policy_in {pol.value}"
                   + _unenforced_note([r for f in cfg.host_rule_files() for r in f.rules])
                   + _opted_out_note(cfg, live), path, 0)]


def _compat_rules(cfg: FirewallConfig) -> list[FwRule]:
    """compat: what the incumbent counted — rules in [RULES] and in [GROUP] sections of
    cluster.fw — but only lines Proxmox enforces (enabled, parseable, verified)."""
    assert cfg.cluster is not None
    out = [r for r in cfg.cluster.rules if r.enforced]
    for g in cfg.cluster.groups.values():
        out.extend(r for r in g.rules if r.enforced)
    return sorted(out, key=lambda r: r.line)


def _effective_in_rules(cfg: FirewallConfig) -> list[FwRule]:
    """Enforced IN rules of cluster.fw and every host.fw; a GROUP line counts when its
    group holds an enforced IN rule (the group's rules run at that position)."""
    groups = cfg.cluster.groups if cfg.cluster else {}
    out = []
    for r in cfg.enabled_in_rules():
        members = groups[r.action].rules if r.direction == "group" and r.action in groups else []
        if r.direction == "in" or any(g.enforced and g.direction == "in" for g in members):
            out.append(r)
    return out


def _nodes_with_host_firewall(cfg: FirewallConfig) -> set[str]:
    """Nodes whose firewall daemon builds a host chain: the cluster switch as that node's
    backend reads it, and no `enable: 0` in its host.fw (see _node_switch.py)."""
    return {n for n in cfg.hosts if cfg.cluster_enabled(n)[0] and cfg.host_enabled(n)[0]}


def _applies(rule: FwRule, node_of: dict[str, str], live: set[str]) -> bool:
    """A host.fw rule (`node_of`: host.fw path → node) protects only its own node, so an
    opted-out node's rules protect nothing; a cluster.fw rule applies wherever a host
    chain is built (every node when no host.fw was supplied: the default is on)."""
    node = node_of.get(rule.file)
    if node is not None:
        return node in live
    return not node_of or bool(live)


def _opted_out_note(cfg: FirewallConfig, live: set[str]) -> str:
    dead = [f"{n} ({cfg.hosts[n].path})" for n in sorted(cfg.hosts)
            if n not in live and any(r.enforced for r in cfg.hosts[n].rules)]
    if not dead:
        return ""
    return (f"; the rules of {', '.join(dead)} are not counted: that node has no host "
            "firewall (enable: 0), so they protect nothing")


def _unenforced_note(rules: list[FwRule]) -> str:
    dead = [r for r in rules if not r.enforced]
    if not dead:
        return ""
    where = ", ".join(r.where for r in dead[:3]) + (" …" if len(dead) > 3 else "")
    return f" ({len(dead)} rule line(s) present but disabled or refused by Proxmox: {where})"


DOCS = """\
**What is checked.** The rule lines of `cluster.fw` (and, in extended, of every
`host.fw`), after Proxmox's own parsing and verification: disabled lines (`|IN …`) and
lines Proxmox refuses (lower-case action, unknown option, undefined ipset/alias/group…)
do not count, since they are never enforced.

**How the verdict is decided.** **compat** (medium) fails when cluster.fw holds no
enforced rule in `[RULES]` or in any `[GROUP]` section (the incumbent also counted group
rules). **extended** (info) is `not_applicable` while the cluster firewall is off, and
fails only when neither cluster.fw nor any host.fw has an enforced IN rule (a GROUP line
counts when its group has one). A node whose host.fw says `enable: 0` gets no host chain,
so its host.fw rules do not count, and when every supplied node opted out the check is
`not_applicable` (firewall-disabled fails those nodes).

**Why.** With the firewall on and `policy_in` DROP an empty rule set is the *most*
restrictive configuration: Proxmox still accepts 8006, 22, 3128, 5900-5999 and
60000-60050 from the `management` ipset and `local_network`, and corosync between nodes.
It is worth knowing (nothing else is reachable, e.g. for monitoring), not a hole, hence
info in extended.
"""

# CIS compares the rules with the ports that are open; the listening ports are not among
# the inputs, so only "no rule at all" is judged.
_OPEN_PORTS_ANALOG = "analog: only an empty rule set is detected; open ports are not an input"

RULE = Rule(
    id="no-firewall-rules",
    title="No firewall rules defined",
    category="firewall",
    references=(
        Reference("CIS Debian 12 v1.1.0", "4.4.2.4",
                  "Ensure iptables firewall rules exist for all open ports",
                  partial=_OPEN_PORTS_ANALOG),
        Reference("CIS Debian 11 v1.0.0", "3.5.3.2.4",
                  "Ensure iptables firewall rules exist for all open ports",
                  partial=_OPEN_PORTS_ANALOG),
        Reference("Lynis", "FIRE-4512", "Check iptables for empty ruleset"),
        PHG_ENABLE,
        PVE_FW_DOC,
    ),
    inputs=("firewall.cluster",),
    rationale="A firewall without rules leaves access decided only by implicit defaults, "
              "which nobody reviewed for this site.",
    docs=DOCS,
    remediation=Remediation(
        summary="Write explicit ACCEPT rules for the management addresses and the services "
                "the nodes must offer (Datacenter > Firewall, or pvesh).",
        template="firewall/no_firewall_rules.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"mode": "compat"}),
        "extended": Tuning(Severity.INFO, {"mode": "extended"}),
    },
)
