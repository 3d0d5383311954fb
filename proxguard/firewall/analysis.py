"""Proven conflict analysis of the Proxmox firewall (firewall-analysis.md §5.3, §6).

Per chain (object × direction × IP version, in pve-firewall's order), each enforced rule
is classified from exact set computations on boxes: shadowed / redundant (fully masked),
correlated / generalisation (partially masked), redundant downward (deleting it changes
no decision), unreachable (matches nothing). Proxmox-specific checks add lockout risk,
management exposure, unenforced lines and the incumbent's port-overlap and
protocol-mismatch views. Every example packet is re-run through the first-match
evaluator and dropped if the evaluator disagrees, so a reported claim is always shown
true on a concrete packet.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from proxguard.firewall.conflicts import (
    SEVERITY_ORDER,
    ConflictSeverity,
    masking_rank,
    severity_of,
)
from proxguard.firewall.evaluate import Packet
from proxguard.firewall.explain import witness
from proxguard.firewall.index import CandidateIndex
from proxguard.firewall.normalise import ADDR_MAX, Chain, Entry, build_chains
from proxguard.firewall.regions import (
    DPORT,
    PROTO,
    SRC,
    Box,
    box_and,
    box_sub,
    box_subset,
    boxes_meet,
    iv_sub,
    ivs,
    region_covered,
)
from proxguard.firewall.result import (
    ConflictRecord,
    FirewallAnalysis,
    InactiveRecord,
    RuleRecord,
)
from proxguard.model.firewall import FirewallConfig, FwRule
from proxguard.parsers.pvefw_macros import MACROS
from proxguard.parsers.pvefw_values import parse_ports

MGMT_CORE = ivs((22, 22), (8006, 8006))
EXPOSED = ivs((22, 22), (3128, 3128), (5900, 5999), (8006, 8006))
# Private/reserved space; "any source" exposure means a source outside all of these.
_PRIVATE = {4: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                "169.254.0.0/16", "100.64.0.0/10"],
            6: ["fc00::/7", "fe80::/10", "::1/128"]}


@dataclass
class Conflict:
    type: str
    rule: str
    by: list[str]
    message: str
    examples: list[Packet]
    chain: Chain | None
    entry: Entry | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.type, self.rule, tuple(self.by))


def _private(fam: int) -> tuple[tuple[int, int], ...]:
    out = []
    for t in _PRIVATE[fam]:
        n = ipaddress.ip_network(t)
        out.append((int(n.network_address), int(n.broadcast_address)))
    return ivs(*out)


def _index(chain: Chain) -> CandidateIndex:
    if chain.index is None:
        chain.index = CandidateIndex(chain.entries)
    return chain.index  # type: ignore[no-any-return]


def _confirm(chain: Chain, p: Packet, want: str) -> bool:
    """The first-match verdict for `p`, via the index's exact point query (the same
    answer as evaluate(), which the tests check, at a fraction of the cost)."""
    i = _index(chain).first_match(p.point(chain))
    return i is not None and chain.entries[i].id == want


def _where(e: Entry) -> str:
    return f"{e.file}:{e.line}"


def _label(e: Entry) -> str:
    if e.id.startswith("policy/"):
        return f"the {e.action} policy"
    if e.id.startswith("builtin/corosync"):
        return "the built-in corosync accept"
    if e.id.startswith("builtin/"):
        return "the built-in management accept"
    return f"rule {e.id} ({_where(e)})"


def analyse_chain(chain: Chain, budget: int = 20000) -> list[Conflict]:
    out: list[Conflict] = []
    entries = chain.entries
    index = _index(chain)
    for j, e in enumerate(entries):
        if e.implicit or not e.region:
            continue
        cands = [entries[i] for i in index.earlier_overlapping(j)]  # exact overlaps
        out.extend(_classify(chain, j, e, cands, budget))
    return out


def _terminators(chain: Chain, e: Entry, cands: list[Entry], budget: int
                 ) -> list[tuple[Entry, Box]]:
    """Earlier entries that decide at least one packet of e, each with such a packet's box."""
    out = []
    before: list[Box] = []
    for c in cands:
        part = [x for a in e.region for b in c.region if (x := box_and(a, b)) is not None]
        hit, _ = region_covered(part, before, budget)
        if hit is not None:
            out.append((c, hit))
        before.extend(c.region)
    return out


def _classify(chain: Chain, j: int, e: Entry, cands: list[Entry], budget: int) -> list[Conflict]:
    cover = [b for c in cands for b in c.region]
    free, undetermined = region_covered(e.region, cover, budget)
    if undetermined:
        return []
    found: list[Conflict] = []
    if free is None:
        terms = _terminators(chain, e, cands, budget)
        diff = [(c, b) for c, b in terms if c.cls != e.cls]
        kind = "shadowing" if diff else "redundancy"
        decider, box = (diff or terms)[0]
        p = witness(box, chain)
        if _confirm(chain, p, decider.id):
            by = [c.id for c, _ in terms]
            verb = {"accept": "accepted", "deny": "dropped"}[decider.cls]
            if kind == "shadowing":
                msg = (f"{_label(e)} never matches: every packet it would match is first decided "
                       f"by {_by_text(terms)}; e.g. {p.text()} is {verb} by {_label(decider)}.")
            else:
                msg = (f"{_label(e)} changes nothing: its packets are already {verb} by "
                       f"{_by_text(terms)}; deleting it is safe.")
            extra: dict[str, Any] = {"direction": "up"}
            if kind == "shadowing":
                extra["severity"] = shadow_severity(e)
            found.append(Conflict(kind, e.id, by, msg, [p], chain, e, extra))
        return found
    mine = witness(free, chain)
    if not _confirm(chain, mine, e.id):
        return []
    for c, box in _diff_deciders(e, cands, budget):
        p = witness(box, chain)
        if not _confirm(chain, p, c.id):
            continue
        contained = all(any(box_subset(x, y) for y in e.region) for x in c.region)
        kind = "generalisation" if contained else "correlation"
        if kind == "generalisation":
            msg = (f"{_label(e)} has an exception carved out by earlier {_label(c)} "
                   f"(e.g. {p.text()} gets {c.action}); usually intentional.")
        else:
            msg = (f"{_label(e)} and earlier {_label(c)} overlap with different actions: "
                   f"{p.text()} matches both and gets {c.action} because {c.id} comes first; "
                   f"swapping them would change it. {mine.text()} is still decided by {e.id}.")
        found.append(Conflict(kind, e.id, [c.id], msg, [p, mine], chain, e))
        break
    if not found:
        down = _downward(chain, j, e, cands, mine)
        if down is not None:
            found.append(down)
    return found


def shadow_severity(e: Entry) -> ConflictSeverity:
    """Severity by effect: a shadowed DROP/REJECT is a block the operator relies on that
    never happens (security gap, high); a shadowed ACCEPT is a service that is not
    reachable as intended (availability, medium)."""
    return "high" if e.cls == "deny" else "medium"


def _diff_deciders(e: Entry, cands: list[Entry], budget: int, limit: int = 16
                   ) -> list[tuple[Entry, Box]]:
    """Earlier different-action entries that decide some of e's packets (at most `limit`
    tried: one proven pair is enough for a correlation/generalisation finding)."""
    out = []
    tried = 0
    before: list[Box] = []
    for c in cands:
        if c.cls != e.cls and tried < limit:
            tried += 1
            part = [x for a in e.region for b in c.region if (x := box_and(a, b)) is not None]
            hit, _ = region_covered(part, before, budget // 10)
            if hit is not None:
                out.append((c, hit))
                break
        before.extend(c.region)
    return out


def _by_text(terms: list[tuple[Entry, Box]]) -> str:
    labels = [_label(c) for c, _ in terms]
    return labels[0] if len(labels) == 1 else "combined " + ", ".join(labels)


def _downward(chain: Chain, j: int, e: Entry, cands: list[Entry], mine: Packet) -> Conflict | None:
    """Liu & Gouda downward redundancy: every packet e decides would get the same action
    from the later entries (or the policy) if e were deleted."""
    residual: list[Box] = list(e.region)
    for c in cands:
        residual = [p for r in residual for p in _sub_all(r, c.region)]
        if len(residual) > 400:
            return None
    later_by: list[str] = []
    for k in _index(chain).later_overlapping(j):
        c = chain.entries[k]
        hits = [r for r in residual if any(boxes_meet(r, b) for b in c.region)]
        if not hits:
            continue
        if c.cls != e.cls:
            return None
        later_by.append(c.id)
        residual = [p for r in residual for p in _sub_all(r, c.region)]
        if len(residual) > 400:
            return None
        if not residual:
            break
    if residual:
        return None
    k = _index(chain).first_match(mine.point(chain), skip=j)
    if k is None or chain.entries[k].cls != e.cls:
        return None
    by_id = {x.id: x for x in (chain.entries[k] for k in _index(chain).later_overlapping(j))}
    labels = ", ".join(_label(by_id[i]) for i in later_by)
    msg = (f"{_label(e)} changes nothing: without it, its packets would get the same "
           f"{e.cls} from {labels} (e.g. {mine.text()}); deleting it is safe.")
    return Conflict("redundancy", e.id, later_by, msg, [mine], chain, e, {"direction": "down"})


def _sub_all(box: Box, region: list[Box]) -> list[Box]:
    pieces = [box]
    for b in region:
        pieces = [q for p in pieces for q in box_sub(p, b)]
    return pieces


def exposed_ports(ssh_ports: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """The management ports: web UI 8006, SPICE 3128, VNC 5900-5999, SSH on 22 and
    wherever sshd listens."""
    return ivs(*EXPOSED, *((p, p) for p in ssh_ports))


def management_checks(chain: Chain, local_network_known: bool,
                      ssh_ports: tuple[int, ...] = (22,)) -> list[Conflict]:
    """Lockout risk and exposure of the PVE management ports on a host IN chain."""
    if not chain.scope.startswith(("node/", "cluster")) or chain.direction != "in":
        return []
    out: list[Conflict] = []
    full = chain.full()
    builtin = next((x for x in chain.entries if x.id.startswith("builtin/management")), None)
    mgmt_src = builtin.region[0][SRC] if builtin and builtin.region else ()
    if not local_network_known:
        mgmt_src = tuple(sorted(set(mgmt_src) | set(_private(chain.family))))
    entries = chain.entries
    if mgmt_src:
        target: Box = (full[0], ivs((6, 6)), mgmt_src, full[3], full[4], MGMT_CORE)
        out.extend(_deciders(chain, target, "deny", "lockout-risk", entries))
    public = iv_sub(((0, ADDR_MAX[chain.family]),), _private(chain.family))
    target = (full[0], ivs((6, 6)), public, full[3], full[4], exposed_ports(ssh_ports))
    out.extend(_deciders(chain, target, "accept", "management-exposed", entries))
    return out


def _deciders(chain: Chain, target: Box, cls: str, kind: str, entries: list[Entry]
              ) -> list[Conflict]:
    """Entries of class `cls` that are the first to decide some packet of `target`. The
    built-in management accept is judged like a user rule for exposure: a public
    local_network or public `management` entries open the ports through it."""
    out = []
    index = _index(chain)
    for i in index.meeting(target):  # the entries with some packet of target, in order
        e = entries[i]
        if e.cls != cls or (e.implicit and not (kind == "management-exposed"
                                                and e.id.startswith("builtin/management"))):
            continue
        part = [x for b in e.region if (x := box_and(b, target)) is not None]
        if not part or (kind == "management-exposed" and _named_hosts_only(part)):
            continue
        before = [b for k in index.earlier_overlapping(i) for b in entries[k].region]
        hit, _ = region_covered(part, before)
        if hit is not None:
            p = witness(hit, chain)
            if _confirm(chain, p, e.id):
                out.append(_mgmt_conflict(kind, e, p, chain))
    return out


def _named_hosts_only(part: list[Box]) -> bool:
    """Every public source the entry admits is a single address (/32, /128): named hosts
    such as the admin's own address (ProxGuard's own fixes add exactly that), not a
    public network. Any public range of two or more addresses is exposure."""
    return all(lo == hi for b in part for lo, hi in b[SRC])


def _mgmt_conflict(kind: str, e: Entry, p: Packet, chain: Chain) -> Conflict:
    if kind == "lockout-risk":
        msg = (f"{_label(e)} drops management traffic before Proxmox's built-in accepts: "
               f"{p.text()} from a management address is {_PAST[e.action]}, which can "
               "lock administrators out of the web UI or SSH.")
    elif e.implicit:
        msg = (f"the built-in management accept admits a public source: {p.text()} is "
               "accepted because that address is in local_network or the `management` "
               "ipset. Keep both to trusted, non-public networks.")
    else:
        full = ((0, ADDR_MAX[chain.family]),)
        who = ("any source" if any(tuple(b[SRC]) == full for b in e.region)
               else "a public source network")
        msg = (f"{_label(e)} lets {who} reach a Proxmox management port: {p.text()} "
               "is accepted. Restrict it with -source +management or a trusted CIDR.")
    return Conflict(kind, e.id, [], msg, [p], chain, e)


def protocol_mismatch(rule: FwRule) -> str | None:
    """-p udp on ports only TCP services use per the macro table (or the reverse)."""
    if rule.macro or rule.proto not in ("tcp", "udp") or rule.dport is None:
        return None
    spec = parse_ports(rule.dport)
    if spec.error or not spec.ranges:
        return None
    return _mismatch_text(rule.proto, rule.dport, spec.ranges)


@lru_cache(maxsize=4096)
def _mismatch_text(proto: str, dport: str, ranges: tuple[tuple[int, int], ...]) -> str | None:
    """Memoised per (protocol, port spec): rule sets repeat a few specs many times."""
    other = "udp" if proto == "tcp" else "tcp"
    used: set[str] = set()
    names: set[str] = set()
    table = _macro_ports()
    los, widest = _macro_starts()
    for rlo, rhi in ranges:
        # the templates starting in [rlo - widest, rhi]: every one that can overlap
        for k in range(bisect_left(los, rlo - widest), bisect_right(los, rhi)):
            lo, hi, mproto, name = table[k]
            if lo <= rhi and rlo <= hi:
                used.add(mproto)
                if mproto == other:
                    names.add(name)
    if used == {other}:
        # every macro service on these ports speaks only the other protocol (SNMP's
        # 161 is udp AND tcp, so `-p udp -dport 161` is not a mismatch)
        return (f"-p {proto} -dport {dport}: these ports are {other}-only services "
                f"({', '.join(sorted(names))}); the rule probably meant -p {other}")
    return None


@lru_cache(maxsize=1)
def _macro_ports() -> tuple[tuple[int, int, str, str], ...]:
    """(low, high, protocol, macro) for every plain dport template of the macro table,
    compared by port overlap rather than by spelling (udp 161:162 covers 161)."""
    out: list[tuple[int, int, str, str]] = []
    for m in MACROS.values():
        for t in m.v4:
            if t.proto in ("tcp", "udp") and t.dport and t.sport is None:
                for part in t.dport.split(","):
                    lo, _, hi = part.partition(":")
                    if lo.isdigit() and (not hi or hi.isdigit()):
                        out.append((int(lo), int(hi or lo), t.proto, m.name))
    return tuple(sorted(out))


@lru_cache(maxsize=1)
def _macro_starts() -> tuple[list[int], int]:
    """The sorted starts of _macro_ports() and its widest range, to bisect: a rule set of
    distinct ports asked the whole table once per rule."""
    table = _macro_ports()
    return [lo for lo, _, _, _ in table], max((hi - lo for lo, hi, _, _ in table), default=0)


def port_overlap(chain: Chain) -> list[Conflict]:
    """Same-action neighbours whose port lists partly overlap (neither contains the other)."""
    out = []
    entries = chain.entries
    index = _index(chain)
    for j, b in enumerate(entries):
        if b.implicit or b.rule is None or len(b.region) != 1:
            continue
        y = b.region[0]
        if y[PROTO] == ((0, 255),):
            continue
        for i in index.earlier_overlapping(j)[-40:]:
            a = entries[i]
            if a.implicit or a.cls != b.cls or len(a.region) != 1:
                continue
            x = a.region[0]
            both = box_and(x, y)
            if x[PROTO] != y[PROTO] or both is None:
                continue
            inter = both[DPORT]
            if inter != x[DPORT] and inter != y[DPORT]:
                p = witness(both, chain)
                if _confirm(chain, p, a.id):
                    out.append(Conflict("port-overlap", b.id, [a.id],
                                        f"{_label(b)} and {_label(a)} have partly overlapping "
                                        f"port lists with the same action (e.g. {p.text()}); "
                                        "consider merging them.", [p], chain, b))
    return out


def analyse(cfg: FirewallConfig, local_network: str | None = None) -> FirewallAnalysis:
    """The proven conflicts of a firewall configuration (the report's `firewall` section
    is its `to_json()`).

    Computed once per FirewallConfig (kept in `cfg.cache`): the report section and the
    fw-* rules of an audit all read the same, most expensive, result. The key holds the
    SSH ports too: they widen the management ports judged for exposure."""
    key = f"analysis:{local_network}:{cfg.ssh_ports}"
    cached = cfg.cache.get(key)
    if isinstance(cached, FirewallAnalysis):
        return cached
    result = compute(cfg, local_network)
    cfg.cache[key] = result
    return result


def compute(cfg: FirewallConfig, local_network: str | None = None) -> FirewallAnalysis:
    """The analysis without the per-config memo (benchmarks time this)."""
    return _result(cfg, *run(cfg, local_network))


def run(cfg: FirewallConfig, local_network: str | None = None
        ) -> tuple[list[Chain], list[Conflict]]:
    chains = build_chains(cfg, local_network)
    known = local_network is not None or (cfg.cluster is not None and "local_network" in cfg.cluster.aliases)
    raw: list[Conflict] = []
    matched_somewhere: dict[str, bool] = {}
    for ch in chains:
        for e in ch.entries:
            if e.rule is not None:
                matched_somewhere[e.id] = matched_somewhere.get(e.id, False) or bool(e.region)
        per_rule: dict[str, Conflict] = {}
        for c in analyse_chain(ch):
            prev = per_rule.get(c.rule)
            if prev is None or masking_rank(c.type) < masking_rank(prev.type):
                per_rule[c.rule] = c
        raw.extend(per_rule.values())
        raw.extend(management_checks(ch, known, cfg.ssh_ports))
        raw.extend(port_overlap(ch))
    for rule in cfg.all_rules():
        raw.extend(_static(rule, matched_somewhere))
    # One verdict per rule, in every chain: a DROP that cuts management off (judged
    # against the built-in accept) is never also "redundant, deleting it changes nothing".
    risky = {c.rule for c in raw if c.type == "lockout-risk"}
    raw = [c for c in raw if not (c.rule in risky and c.type == "redundancy")]
    merged: dict[tuple[str, str, tuple[str, ...]], Conflict] = {}
    chains_of: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for c in raw:
        k = c.key()
        merged.setdefault(k, c)
        if c.chain is not None:
            chains_of.setdefault(k, []).append(c.chain.name)
    for k, c in merged.items():
        c.extra["chains"] = chains_of.get(k, [])
    return chains, list(merged.values())


def _static(rule: FwRule, matched: dict[str, bool]) -> list[Conflict]:
    out = []
    if not rule.enforced:
        why = "it is disabled (`|` prefix)" if not rule.enabled else \
            "Proxmox refuses it: " + "; ".join(rule.errors)
        out.append(Conflict("unenforced", rule.id, [], f"rule {rule.id} ({rule.where}) is "
                            f"never enforced: {why}.", [], None, None,
                            {"disabled": not rule.enabled, "errors": list(rule.errors)}))
        return out
    if rule.id in matched and not matched[rule.id] and rule.direction != "group":
        out.append(Conflict("unreachable", rule.id, [], f"rule {rule.id} ({rule.where}) can "
                            "match no packet (empty ipset, only `!` entries, or addresses of "
                            "the other IP version).", [], None, None))
    mismatch = protocol_mismatch(rule)
    if mismatch:
        out.append(Conflict("protocol-mismatch", rule.id, [], f"rule {rule.id} ({rule.where}): "
                            f"{mismatch}.", [], None, None))
    return out


def _result(cfg: FirewallConfig, chains: list[Chain], conflicts: list[Conflict]
            ) -> FirewallAnalysis:
    rules: list[RuleRecord] = [
        {"id": r.id, "file": r.file, "line": r.line, "scope": r.scope,
         "direction": r.direction, "action": r.action, "macro": r.macro,
         "enabled": r.enabled, "enforced": r.enforced, "errors": list(r.errors),
         "raw": r.raw, "comment": r.comment}
        for r in cfg.all_rules()]
    by_id = {r.id: r for r in cfg.all_rules()}
    out: list[ConflictRecord] = []
    for c in conflicts:
        r = by_id.get(c.rule)
        item: ConflictRecord = {
            "type": c.type, "severity": c.extra.get("severity", severity_of(c.type)),
            "note": severity_of(c.type) == "info", "rule": c.rule, "by": c.by,
            "message": c.message,
            "example": c.examples[0].to_json() if c.examples else None,
            "examples": [p.to_json() for p in c.examples],
            "file": r.file if r else (c.entry.file if c.entry else None),
            "line": r.line if r else (c.entry.line if c.entry else 0),
            "chains": c.extra.get("chains", []),
        }
        if "direction" in c.extra:
            item["direction"] = c.extra["direction"]
        out.append(item)
    out.sort(key=lambda x: (SEVERITY_ORDER.index(x["severity"]), x["file"] or "", x["line"],
                            x["type"]))
    inactive: list[InactiveRecord] = [{"chain": ch.name, "reason": ch.why_inactive}
                                      for ch in chains if not ch.active]
    unmodelled = sorted({(r.id, why) for ch in chains for r, why in ch.unmodelled})
    return FirewallAnalysis(
        rules=rules, conflicts=out,
        chains=[{"name": ch.name, "active": ch.active, "entries": len(ch.entries)}
                for ch in chains],
        inactive=inactive,
        unmodelled=[{"rule": i, "reason": w} for i, w in unmodelled])


_PAST = {"DROP": "dropped", "REJECT": "rejected", "ACCEPT": "accepted"}
