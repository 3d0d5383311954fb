"""The Firewall tab's door into the engine: analysis, packet trace, rule reordering.

Façade handlers like those in `proxguard.web.facade` (payload dict in, JSON-able dict
out; `protocol.PayloadError` for a request the page got wrong); the façade registers
`FIREWALL_HANDLERS`. The page keeps a working copy of the firewall files (returned here
as `files`), sends it back with each request, and shows the HTML rendered by
`proxguard.render.firewall`: which rule is shadowed, what a move fixed or broke and the
exported `.fw` text are all decided in Python, never in the page.

A long scope is shown in part (`proxguard.render.firewall.ROWS_SHOWN`); the page asks
`firewall_more` for further rows and for a conflict's proof. Every handler but the trace
starts from the last firewall read and analysed here (`_LAST`, one entry) when the tab
would be made of exactly the same files and snapshot diagnostics, so asking for rows
costs their rendering, and an audit after an edit to another file (which reloads an open
tab) does not analyse an unchanged firewall again; other files are read afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.engine.collector import collector_paused
from proxguard.firewall import analyse, trace
from proxguard.firewall.reorder import diff_conflicts, moved, reorder_text, section
from proxguard.firewall.result import FirewallAnalysis
from proxguard.firewall.views import guest_ports_of, load_firewall, load_network
from proxguard.firewall.zones import is_path_spec
from proxguard.firewall.zones import path as zone_path
from proxguard.inputs import COROSYNC_CONF, FIREWALL_KINDS, LXC_CONF, QEMU_CONF, Snapshot
from proxguard.model.firewall import FirewallConfig
from proxguard.render.firewall import (
    render_delta,
    render_more,
    render_path,
    render_ports,
    render_proof,
    render_tab,
    render_trace,
)
from proxguard.web.protocol import Payload, PayloadError, snapshot_from


def _load(payload: Payload) -> tuple[FirewallConfig, Snapshot, Diagnostics]:
    """The audit's inputs, read exactly as the façade's audit reads them."""
    snap = snapshot_from(payload)[0]
    cfg, diags = load_firewall(snap)
    if cfg is None:
        raise PayloadError("no firewall file in these inputs (cluster.fw, a node's host.fw "
                           "or a guest's <vmid>.fw)")
    return cfg, snap, diags


# The working copy: the firewall files plus what the path model reads beside them (guest
# configs for the guest ports, corosync.conf for the ring addresses).
WORKING_KINDS = (*FIREWALL_KINDS, LXC_CONF, QEMU_CONF, COROSYNC_CONF)


def _fw_files(snap: Snapshot) -> dict[str, str]:
    return {f.path: f.text for kind in WORKING_KINDS for f in snap.of_kind(kind)}


def _fw_kinds(snap: Snapshot) -> dict[str, str]:
    """Sent back with the working copy: a pasted file keeps a path such as `cluster.fw`
    that does not say its kind by itself."""
    return {f.path: kind for kind in WORKING_KINDS for f in snap.of_kind(kind)}


def _ports_html(snap: Snapshot, cfg: FirewallConfig) -> str:
    """The guest ports of the firewall `cfg` read from `snap`."""
    return render_ports(guest_ports_of(cfg, snap))


def _with_analysis(payload: Payload, out: dict[str, Any], analysis: Any) -> dict[str, Any]:
    """The analysis as JSON only when asked (`"analysis": true`): the page renders the
    engine's HTML and never reads it, and at 5,000 rules it was 2.9 MB to serialise and
    post across the worker boundary on every analysis."""
    if payload.get("analysis") is True:
        out["analysis"] = analysis.to_json()
    return out


# The last firewall read and analysed: its key (_key), config, analysis, diagnostics.
_LAST: list[tuple[tuple[Any, ...], FirewallConfig, FirewallAnalysis, Diagnostics]] = []


def _key(snap: Snapshot) -> tuple[Any, ...]:
    """What the tab is made of: the working files (path, kind, text, in the order the
    parsers read them) and the snapshot's own diagnostics (shown in the tab)."""
    return (tuple((f.path, kind, f.text) for kind in WORKING_KINDS for f in snap.of_kind(kind)),
            tuple(snap.diagnostics))


def _remember(snap: Snapshot, cfg: FirewallConfig, analysis: FirewallAnalysis,
              diags: Diagnostics) -> None:
    _LAST[:] = [(_key(snap), cfg, analysis, diags)]


def _loaded(payload: Payload
            ) -> tuple[FirewallConfig, Snapshot, Diagnostics, FirewallAnalysis]:
    """The payload's firewall, read and analysed; the last one again when the tab would
    be made of exactly the same (an audit after an edit to another file, further rows,
    a conflict's proof, a move's "before"), else read and analysed afresh."""
    snap = snapshot_from(payload)[0]
    if _LAST and _LAST[0][0] == _key(snap):
        _, cfg, analysis, diags = _LAST[0]
        return cfg, snap, diags, analysis
    cfg, diags = load_firewall(snap)
    if cfg is None:
        raise PayloadError("no firewall file in these inputs (cluster.fw, a node's host.fw "
                           "or a guest's <vmid>.fw)")
    analysis = analyse(cfg)
    _remember(snap, cfg, analysis, diags)
    return cfg, snap, diags, analysis


def _shown(payload: Payload) -> dict[str, int]:
    """The rows per scope the page shows (`shown`: scope id → count)."""
    shown = payload.get("shown") or {}
    if not isinstance(shown, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in shown.items()):
        raise PayloadError("`shown` must map scope ids to the number of rows shown")
    return shown


def _ids(payload: Payload, key: str) -> set[str]:
    """A list of rule ids from the page, as a set (looked up once per row)."""
    ids = payload.get(key) or []
    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
        raise PayloadError(f"`{key}` must be a list of rule ids")
    return set(ids)


def firewall(payload: Payload) -> dict[str, Any]:
    """The tab's HTML (and the analysis as JSON when asked), plus the firewall files as
    host path → text: the page's working copy for reordering and export."""
    with collector_paused():  # engine/collector.py; ~12% of this call at 5,000 rules
        cfg, snap, diags, analysis = _loaded(payload)
        return _with_analysis(payload, {
            "html": render_tab(cfg, analysis, diags, _shown(payload), _ids(payload, "reveal"))
            + _ports_html(snap, cfg),
            "files": _fw_files(snap), "kinds": _fw_kinds(snap)}, analysis)


def firewall_more(payload: Payload) -> dict[str, Any]:
    """What the tab shows on demand, from the working copy (`files`, `kinds`) and what the
    page shows (`shown`): further rows of a `scope` up to row `upto`, the rows of the rule
    ids in `reveal` (a conflict's or a trace's rules), and conflict `conflict`'s proof
    with its rules' rows."""
    shown = _shown(payload)
    reveal = _ids(payload, "reveal")
    scope, upto, n = payload.get("scope"), payload.get("upto", 0), payload.get("conflict")
    if scope is not None and not isinstance(scope, str):
        raise PayloadError("`scope` must be a scope id")
    if not isinstance(upto, int) or isinstance(upto, bool) or upto < 0:
        raise PayloadError("`upto` must be a row count")
    with collector_paused():
        cfg, _, _, analysis = _loaded(payload)
        out: dict[str, Any] = {}
        if n is not None:
            if not isinstance(n, int) or isinstance(n, bool) or not (
                    0 <= n < len(analysis.conflicts)):
                raise PayloadError(f"`conflict` must be a conflict number below "
                                   f"{len(analysis.conflicts)}")
            c = analysis.conflicts[n]
            reveal = {*reveal, c["rule"], *c["by"]}
            out["proof"] = render_proof(analysis, n)
        out["parts"] = render_more(cfg, analysis, shown, scope, upto, reveal)
        return out


def firewall_trace(payload: Payload) -> dict[str, Any]:
    spec = payload.get("packet")
    if not isinstance(spec, str) or not spec.strip():
        raise PayloadError("`packet` must be a packet spec such as "
                           "'tcp ct120 -> 198.51.100.7:443' or "
                           "'tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in'")
    cfg, snap, _ = _load(payload)
    if is_path_spec(spec):
        net, _ = load_network(snap)
        assert net is not None  # _load found a firewall file
        found = zone_path(net, spec.strip())
        return {"path": found, "html": render_path(found)}
    result = trace(cfg, spec.strip())
    if "error" not in result:
        raws = {r.id: r.raw.strip(" \t\r") for r in cfg.all_rules()}
        for res in result["results"]:
            res["text"] = raws.get(res["would_decide"], "")
    return {"trace": result, "html": render_trace(result)}


def firewall_reorder(payload: Payload) -> dict[str, Any]:
    """Put one scope's rules in a new order, re-run the analysis, and say what the move
    fixed and broke (`proxguard.firewall.reorder`)."""
    with collector_paused():
        return _reorder(payload)


def _reorder(payload: Payload) -> dict[str, Any]:
    cfg, snap, _, before = _loaded(payload)  # the tab's own analysis, when it is the same
    scope = payload.get("scope")
    order = payload.get("order")
    if not isinstance(scope, str) or not isinstance(order, list) or not all(
            isinstance(x, str) for x in order):
        raise PayloadError("`scope` must be a scope id and `order` a list of rule ids")
    try:
        fw, rules = section(cfg, scope)
        text = reorder_text(fw, rules, order)
    except ValueError as exc:
        raise PayloadError(str(exc)) from exc
    files = _fw_files(snap)
    files[fw.path] = text
    new_snap = Snapshot()
    for path, body in files.items():
        new_snap.add(path, body, snap.get(path).kind if snap.get(path) else None)
    new_cfg, new_diags = load_firewall(new_snap)
    assert new_cfg is not None  # the same files, one of them permuted
    after = analyse(new_cfg)
    old_of = {f"fw/{scope}/rule/{i}": rid for i, rid in enumerate(order)}
    fixed, new = diff_conflicts(before.conflicts, after.conflicts, old_of)
    # an info-level finding (an intended exception) is not something the move broke
    broke = [c for c in new if c["severity"] != "info"]
    notes = [c for c in new if c["severity"] == "info"]
    moves = moved(rules, order)
    delta = render_delta(fixed, broke, notes, moves)
    _remember(new_snap, new_cfg, after, new_diags)
    # the rows the page showed stay shown, and so does each moved rule at its new place
    placed = {f"fw/{scope}/rule/{m['to']}" for m in moves}
    return _with_analysis(payload, {
        "html": render_tab(new_cfg, after, new_diags, _shown(payload), placed)
        + _ports_html(new_snap, new_cfg),
        "files": files, "kinds": _fw_kinds(new_snap), "path": fw.path, "text": text,
        "fixed": fixed, "broke": broke, "notes": notes, "delta_html": delta}, after)


FIREWALL_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "firewall": firewall, "firewall_trace": firewall_trace,
    "firewall_reorder": firewall_reorder, "firewall_more": firewall_more,
}
