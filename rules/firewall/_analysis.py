"""Shared by the extended fw-* rules: one conflict analysis per audit, and API paths.

`analyse` memoises per FirewallConfig, so the four rules and the report's firewall section
share one analysis; each rule turns its conflict type into per-rule targets. The analysis
is imported on first use: the rule registry imports this module at start-up, and an audit
without a firewall file never needs it (issue 14: ~90 ms of the page's normal boot).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from proxguard.model.firewall import FirewallConfig, FwRule
from proxguard.model.host import Host
from proxguard.rule import Status, TargetResult

if TYPE_CHECKING:
    from proxguard.firewall.result import ConflictRecord, FirewallAnalysis


def analyse(cfg: FirewallConfig) -> FirewallAnalysis:
    """`proxguard.firewall.analyse` (memoised per config), imported on first use."""
    from proxguard.firewall import analyse as run_analysis

    return run_analysis(cfg)


def conflicts(cfg: FirewallConfig, kind: str) -> dict[str, ConflictRecord]:
    """rule id → its conflict of `kind` (the first, most severe one)."""
    result = analyse(cfg)  # memoised per config: one analysis per audit
    active = {c["name"] for c in result.chains if c["active"]}
    out: dict[str, ConflictRecord] = {}
    for c in result.of_type(kind):
        # a claim that holds only in chains Proxmox does not build is not a finding
        if not c["chains"] or active.intersection(c["chains"]):
            out.setdefault(c["rule"], c)
    return out


def host_chains_active(cfg: FirewallConfig) -> bool:
    """Does some node get a host chain (cluster switch on for it, host.fw not enable: 0)?"""
    return any(c["active"] for c in analyse(cfg).chains
               if c["name"].startswith(("node/", "cluster ")))


def firewall_on(host: Host) -> bool:
    """Is any chain built at all (the cluster switch as some node's backend reads it)?"""
    cfg: FirewallConfig = host.firewall
    nodes = sorted(cfg.hosts) or [None]
    return any(cfg.cluster_enabled(n)[0] for n in nodes)


def inactive_reason(cfg: FirewallConfig, rule: FwRule) -> str | None:
    """Why the chains holding `rule` are not built (None: some chain holding it is). A
    host.fw rule lives in its node's chains, a guest rule in its guest's; cluster and
    group rules in every node's (groups also in guests'). Proxmox compiles nothing for
    an inactive chain, so the fw-* rules judge its rules not applicable."""
    why = _inactive_scopes(cfg).get(_chain_scope(rule.scope))
    if why is None:
        return None
    return f"{rule.raw.strip()} ({rule.where}) is in no chain Proxmox builds ({why})"


def _chain_scope(scope: str) -> str:
    if scope.startswith(("node/", "guest/")):
        return scope
    return "cluster" if scope == "cluster" else "group"


def _inactive_scopes(cfg: FirewallConfig) -> dict[str, str | None]:
    """Per kind of rule scope, the reason its chains are all inactive (None: active). Asked
    for every rule by four fw-* rules, so computed once per scope and kept with the
    analysis in cfg.cache."""
    key = "fw-inactive-scopes"
    cached = cfg.cache.get(key)
    if isinstance(cached, dict):
        return cached
    result = analyse(cfg)
    chains = result.chains
    reasons = {i["chain"].split(" ")[0]: i["reason"] for i in result.inactive}
    scopes = {c["name"].split(" ")[0] for c in chains} | {"cluster", "group"}
    out: dict[str, str | None] = {}
    for scope in scopes:
        if scope.startswith(("node/", "guest/")):
            mine = [c for c in chains if c["name"].split(" ")[0] == scope]
        elif scope == "cluster":
            mine = [c for c in chains if c["name"].startswith(("node/", "cluster "))]
        else:
            mine = chains
        if not mine or any(c["active"] for c in mine):
            out[scope] = None
            continue
        names = {c["name"].split(" ")[0] for c in mine}
        out[scope] = "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items()) if k in names)
    cfg.cache[key] = out
    return out


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
    """What a rule's fix template needs to name and locate the rule."""
    return {"rule_id": rule.id, "api_path": api_path(rule), "raw": rule.raw.strip(),
            "where": rule.where, "scope": rule.scope, "rule_file": rule.file,
            "action": rule.action, "macro": rule.macro or "", "dport": rule.dport or "",
            "pos": rule.index}


class RuleFacts(Mapping[str, Any]):
    """facts(rule) (plus `errors` with `with_errors`) as a read-only view computed on
    access. The passing and not-applicable targets of the fw-* rules carry one each,
    three or four per firewall rule; the dict each used to hold cost ~1 KB a rule at
    200,000 rules (bench/scale.py fw), and only a failing target's fix reads them."""

    __slots__ = ("rule", "with_errors")
    _KEYS = ("rule_id", "api_path", "raw", "where", "scope", "rule_file", "action", "macro",
             "dport", "pos")

    def __init__(self, rule: FwRule, with_errors: bool = False) -> None:
        self.rule = rule
        self.with_errors = with_errors

    def _all(self) -> dict[str, Any]:
        out = facts(self.rule)
        if self.with_errors:
            out["errors"] = "; ".join(self.rule.errors)
        return out

    def __getitem__(self, key: str) -> Any:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._KEYS
        if self.with_errors:
            yield "errors"

    def __len__(self) -> int:
        return len(self._KEYS) + self.with_errors

    def __repr__(self) -> str:
        return repr(self._all())


def rule_target(rule: FwRule, status: Status, evidence: str, with_errors: bool = False
                ) -> TargetResult:
    """A passing or not-applicable target for a firewall rule, its facts a RuleFacts."""
    return TargetResult(rule.id, status, evidence, rule.file, rule.line,
                        facts=RuleFacts(rule, with_errors))


def host_rules(cfg: FirewallConfig, direction: str | None = None) -> list[FwRule]:
    """Enforced rules of cluster.fw, host.fw files and security groups."""
    out = [r for f in cfg.host_rule_files() for r in f.rules]
    if cfg.cluster is not None:
        out += [r for g in cfg.cluster.groups.values() for r in g.rules]
    return [r for r in out if r.enforced and r.direction != "group"
            and (direction is None or r.direction == direction)]
