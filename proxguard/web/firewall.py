"""The Firewall tab's door into the engine: analysis, packet trace, rule reordering.

Façade handlers like those in `proxguard.web.facade` (payload dict in, JSON-able dict
out; `protocol.PayloadError` for a request the page got wrong); the façade registers
`FIREWALL_HANDLERS`. The page keeps a working copy of the firewall files (returned here
as `files`), sends it back with each request, and shows the HTML rendered by
`proxguard.render.firewall`: which rule is shadowed, what a move fixed or broke and the
exported `.fw` text are all decided in Python, never in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.engine.collector import collector_paused
from proxguard.firewall import analyse, trace
from proxguard.firewall.reorder import diff_conflicts, moved, reorder_text, section
from proxguard.firewall.views import guest_ports_of, load_firewall, load_network
from proxguard.firewall.zones import is_path_spec
from proxguard.firewall.zones import path as zone_path
from proxguard.inputs import COROSYNC_CONF, FIREWALL_KINDS, LXC_CONF, QEMU_CONF, Snapshot
from proxguard.model.firewall import FirewallConfig
from proxguard.render.firewall import (
    render_delta,
    render_path,
    render_ports,
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


def firewall(payload: Payload) -> dict[str, Any]:
    """The tab's HTML (and the analysis as JSON when asked), plus the firewall files as
    host path → text: the page's working copy for reordering and export."""
    with collector_paused():  # engine/collector.py; ~12% of this call at 5,000 rules
        cfg, snap, diags = _load(payload)
        analysis = analyse(cfg)
        return _with_analysis(payload, {
            "html": render_tab(cfg, analysis, diags) + _ports_html(snap, cfg),
            "files": _fw_files(snap), "kinds": _fw_kinds(snap)}, analysis)


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
    cfg, snap, _ = _load(payload)
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
    before = analyse(cfg)
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
    delta = render_delta(fixed, broke, notes, moved(rules, order))
    return _with_analysis(payload, {
        "html": render_tab(new_cfg, after, new_diags) + _ports_html(new_snap, new_cfg),
        "files": files, "kinds": _fw_kinds(new_snap), "path": fw.path, "text": text,
        "fixed": fixed, "broke": broke, "notes": notes, "delta_html": delta}, after)


FIREWALL_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "firewall": firewall, "firewall_trace": firewall_trace,
    "firewall_reorder": firewall_reorder,
}
