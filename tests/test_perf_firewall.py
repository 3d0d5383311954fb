"""The firewall shortcuts of issue 14 answer exactly what the scans they replaced did.

Each test keeps the old computation as the reference, written the way the code used to
do it, and compares every answer on generated inputs: the candidate index against a scan
of every entry (overlaps, first match, entries meeting a box), the port-list fast path
against the pyparsing grammar, the macro-port lookup against the full table walk, and the
per-scope "inactive chain" reasons against the per-rule scan over every chain.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.firewall import analyse
from proxguard.firewall.analysis import _macro_ports, _mismatch_text
from proxguard.firewall.index import CandidateIndex
from proxguard.firewall.normalise import Chain, Entry
from proxguard.firewall.regions import Box, box_contains, boxes_meet, norm
from proxguard.inputs import Snapshot
from proxguard.model.firewall import FirewallConfig, FwRule
from proxguard.parsers.pvefw import load
from proxguard.parsers.pvefw_values import port_tokens, ports_from_tokens
from proxguard.rules.firewall._analysis import RuleFacts, facts, inactive_reason

# -- the candidate index -------------------------------------------------------------------

SPAN = 40  # every dimension runs 0..SPAN-1: small enough that boxes collide often

_IV = st.tuples(st.integers(0, SPAN - 1), st.integers(0, 12)).map(
    lambda t: (t[0], min(SPAN - 1, t[0] + t[1])))
# one interval (narrow or wide), a few disjoint ones, or the whole dimension
_DIM = st.one_of(st.lists(_IV, min_size=1, max_size=3).map(norm),
                 st.just(((0, SPAN - 1),)))
_BOX = st.tuples(*[_DIM] * 6)


@st.composite
def chains(draw: st.DrawFn) -> Chain:
    regions = draw(st.lists(st.lists(_BOX, min_size=0, max_size=3), min_size=1, max_size=30))
    entries = [Entry(f"r{i}", draw(st.sampled_from(["ACCEPT", "DROP"])), list(r), "t.fw", i)
               for i, r in enumerate(regions)]
    return Chain("cluster", "in", 4, entries, [])


def _scan_overlapping(entries: list[Entry], j: int) -> list[int]:
    mine = entries[j].region
    return [i for i, e in enumerate(entries)
            if i != j and any(boxes_meet(a, c) for a in mine for c in e.region)]


def _scan_first(entries: list[Entry], point: tuple[int, ...], skip: int) -> int | None:
    return next((i for i, e in enumerate(entries)
                 if i != skip and any(box_contains(b, point) for b in e.region)), None)


@settings(max_examples=150, deadline=None)
@given(chains(), st.lists(st.tuples(*[st.integers(-1, SPAN)] * 6), min_size=1, max_size=8),
       _BOX)
def test_index_agrees_with_full_scan(chain: Chain, points: list[tuple[int, ...]],
                                     box: Box) -> None:
    entries = chain.entries
    index = CandidateIndex(entries)
    for j in range(len(entries)):
        want = _scan_overlapping(entries, j)
        assert index.overlapping_all(j) == want
        assert index.earlier_overlapping(j) == [i for i in want if i < j]
        assert index.later_overlapping(j) == [i for i in want if i > j]
    for p in points:
        for skip in (-1, 0, len(entries) - 1):
            assert index.first_match(p, skip) == _scan_first(entries, p, skip)
    assert index.meeting(box) == [i for i, e in enumerate(entries)
                                  if any(boxes_meet(box, c) for c in e.region)]


# -- the port-list fast path ----------------------------------------------------------------

_ITEM = st.one_of(
    st.integers(0, 70000).map(str),
    st.tuples(st.integers(0, 70000), st.integers(0, 70000)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.sampled_from(["ssh", "http", "https", "domain", "x-y", "a.b+c_d", "nosuch-svc"]),
    st.text("0123456789:abz-._+, \t\n٣", max_size=6))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_ITEM, min_size=1, max_size=17).map(",".join),
                 st.text("09:az,. \t\n-+_٣", max_size=8), st.text(max_size=20)))
def test_port_fast_path_equals_the_grammar(spec: str) -> None:
    fast, grammar = port_tokens(spec), port_tokens(spec, fast=False)
    assert fast == grammar
    assert ports_from_tokens(spec, fast) == ports_from_tokens(spec, grammar)


# -- the macro-port lookup -------------------------------------------------------------------

def _scan_mismatch(proto: str, dport: str, ranges: tuple[tuple[int, int], ...]) -> str | None:
    other = "udp" if proto == "tcp" else "tcp"
    used: set[str] = set()
    names: set[str] = set()
    for rlo, rhi in ranges:
        for lo, hi, mproto, name in _macro_ports():
            if lo <= rhi and rlo <= hi:
                used.add(mproto)
                if mproto == other:
                    names.add(name)
    if used == {other}:
        return (f"-p {proto} -dport {dport}: these ports are {other}-only services "
                f"({', '.join(sorted(names))}); the rule probably meant -p {other}")
    return None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["tcp", "udp"]),
       st.lists(st.one_of(st.sampled_from([22, 53, 123, 161, 162, 500, 3389, 5900, 8006]),
                          st.integers(0, 65535)).flatmap(
           lambda lo: st.integers(lo, min(65535, lo + 700)).map(lambda hi: (lo, hi))),
           min_size=1, max_size=4))
def test_macro_port_lookup_equals_the_table_walk(proto: str, pairs: list[tuple[int, int]]
                                                 ) -> None:
    ranges = norm(pairs)
    spec = ",".join(f"{lo}:{hi}" for lo, hi in ranges)
    assert _mismatch_text.__wrapped__(proto, spec, ranges) == _scan_mismatch(proto, spec, ranges)


# -- inactive chains per scope ----------------------------------------------------------------

def _scan_inactive(cfg: FirewallConfig, rule: FwRule) -> str | None:
    chains = analyse(cfg).chains
    scope = rule.scope
    if scope.startswith(("node/", "guest/")):
        mine = [c for c in chains if c["name"].split(" ")[0] == scope]
    elif scope == "cluster":
        mine = [c for c in chains if c["name"].startswith(("node/", "cluster "))]
    else:
        mine = chains
    if not mine or any(c["active"] for c in mine):
        return None
    reasons = {i["chain"].split(" ")[0]: i["reason"] for i in analyse(cfg).inactive}
    why = "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items())
                    if k in {c["name"].split(" ")[0] for c in mine})
    return f"{rule.raw.strip()} ({rule.where}) is in no chain Proxmox builds ({why})"


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.lists(st.sampled_from(["0", "1", None]), max_size=3),
       st.lists(st.sampled_from(["0", "1", None]), max_size=3))
def test_inactive_reason_per_scope_equals_the_chain_scan(
        cluster_on: bool, nodes: list[str | None], guests: list[str | None]) -> None:
    rules = "IN ACCEPT -p tcp -dport 22\nIN DROP\nGROUP web\n"
    files = {"etc/pve/firewall/cluster.fw":
             f"[OPTIONS]\nenable: {int(cluster_on)}\n\n[RULES]\n{rules}\n"
             "[group web]\nIN ACCEPT -p tcp -dport 80\n"}
    for n, en in enumerate(nodes):
        opt = f"[OPTIONS]\nenable: {en}\n\n" if en is not None else ""
        files[f"etc/pve/nodes/pve{n}/host.fw"] = f"{opt}[RULES]\n{rules}"
    for g, en in enumerate(guests):
        opt = f"[OPTIONS]\nenable: {en}\n\n" if en is not None else ""
        files[f"etc/pve/firewall/{100 + g}.fw"] = f"{opt}[RULES]\n{rules}"
    cfg = load(Snapshot.from_texts(files), Diagnostics())
    assert cfg is not None
    for r in cfg.all_rules():
        assert inactive_reason(cfg, r) == _scan_inactive(cfg, r)


def test_rule_facts_view_equals_the_facts_dict() -> None:
    text = ("[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.1 -p tcp -dport 22\n"
            "|IN DROP -p udp\nIN accept -p tcp\nIN SSH(ACCEPT) -i vmbr0\n")
    cfg = load(Snapshot.from_texts({"etc/pve/firewall/cluster.fw": text}), Diagnostics())
    assert cfg is not None and len(cfg.all_rules()) == 4
    for r in cfg.all_rules():
        assert dict(RuleFacts(r)) == facts(r) and RuleFacts(r) == facts(r)
        with_errors = {**facts(r), "errors": "; ".join(r.errors)}
        assert list(RuleFacts(r, True).items()) == list(with_errors.items())
