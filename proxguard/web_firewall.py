"""The Firewall tab's door into the engine: analysis, packet trace, rule reordering.

Façade handlers like those in `proxguard.web` (payload dict in, JSON-able dict out;
`web.PayloadError` for a request the page got wrong); `web.py` registers
`FIREWALL_HANDLERS`. The page keeps a working copy of the firewall files (returned here
as `files`), sends it back with each request, and shows the HTML rendered here: which
rule is shadowed, what a move fixed or broke and the exported `.fw` text are all decided
in Python, never in the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.firewall import analyse, trace
from proxguard.fwview import load_firewall, scope_views
from proxguard.inputs import CLUSTER_FW, GUEST_FW, HOST_FW, Snapshot
from proxguard.model.firewall import FirewallConfig, FwFile, FwRule

Payload = Mapping[str, Any]
_FW_KINDS = (CLUSTER_FW, HOST_FW, GUEST_FW)
ROW_HEIGHT = 32  # px; firewall.css gives every rule row exactly this height
ARC_WIDTH = 140


def _payload_error(message: str) -> Exception:
    # Imported late: proxguard.web imports this module to register the handlers.
    from proxguard.web import PayloadError

    return PayloadError(message)


def _snapshot(payload: Payload) -> Snapshot:
    """The audit's inputs, read exactly as `web.audit` reads them."""
    from proxguard.web import snapshot_from

    return snapshot_from(payload)[0]


def _load(payload: Payload) -> tuple[FirewallConfig, Snapshot, Diagnostics]:
    snap = _snapshot(payload)
    cfg, diags = load_firewall(snap)
    if cfg is None:
        raise _payload_error("no firewall file in these inputs (cluster.fw, a node's host.fw "
                             "or a guest's <vmid>.fw)")
    return cfg, snap, diags


def _fw_files(snap: Snapshot) -> dict[str, str]:
    return {f.path: f.text for kind in _FW_KINDS for f in snap.of_kind(kind)}


def _fw_kinds(snap: Snapshot) -> dict[str, str]:
    """Sent back with the working copy: a pasted file keeps a path such as `cluster.fw`
    that does not say its kind by itself."""
    return {f.path: kind for kind in _FW_KINDS for f in snap.of_kind(kind)}


def firewall(payload: Payload) -> dict[str, Any]:
    """The analysis and the tab's HTML, plus the firewall files as host path → text: the
    page's working copy for reordering and export."""
    cfg, snap, diags = _load(payload)
    analysis = analyse(cfg)
    return {"analysis": analysis, "html": render_tab(cfg, analysis, diags),
            "files": _fw_files(snap), "kinds": _fw_kinds(snap)}


def firewall_trace(payload: Payload) -> dict[str, Any]:
    spec = payload.get("packet")
    if not isinstance(spec, str) or not spec.strip():
        raise _payload_error("`packet` must be a packet spec such as "
                             "'tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in'")
    cfg, _, _ = _load(payload)
    result = trace(cfg, spec.strip())
    if "error" not in result:
        raws = {r.id: r.raw.strip(" \t\r") for r in cfg.all_rules()}
        for res in result["results"]:
            res["text"] = raws.get(res["would_decide"], "")
    return {"trace": result, "html": _env().get_template("firewall_trace.html.j2").render(
        trace=result)}


def firewall_reorder(payload: Payload) -> dict[str, Any]:
    """Put one scope's rules in a new order, re-run the analysis, and say what the move
    fixed and broke. The conflicts are compared by the rules' identity before the move
    (ids are positions, so a moved rule's id changes)."""
    cfg, snap, _ = _load(payload)
    scope = payload.get("scope")
    order = payload.get("order")
    if not isinstance(scope, str) or not isinstance(order, list) or not all(
            isinstance(x, str) for x in order):
        raise _payload_error("`scope` must be a scope id and `order` a list of rule ids")
    fw, rules = _section(cfg, scope)
    text = reorder_text(fw, rules, order)
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
    fixed, new = diff_conflicts(before["conflicts"], after["conflicts"], old_of)
    # an info-level finding (an intended exception) is not something the move broke
    broke = [c for c in new if c["severity"] != "info"]
    notes = [c for c in new if c["severity"] == "info"]
    delta = _env().get_template("firewall_delta.html.j2").render(
        fixed=fixed, broke=broke, notes=notes, moved=_moved(rules, order))
    return {"analysis": after, "html": render_tab(new_cfg, after, new_diags),
            "files": files, "kinds": _fw_kinds(new_snap), "path": fw.path, "text": text,
            "fixed": fixed, "broke": broke,
            "notes": notes, "delta_html": delta}


def _section(cfg: FirewallConfig, scope: str) -> tuple[FwFile, list[FwRule]]:
    """The file holding a scope's rules and the rules of that section, in file order."""
    kind, _, name = scope.partition("/")
    fw: FwFile | None = None
    rules: list[FwRule] = []
    if scope == "cluster" and cfg.cluster is not None:
        fw, rules = cfg.cluster, cfg.cluster.rules
    elif kind == "node" and name in cfg.hosts:
        fw, rules = cfg.hosts[name], cfg.hosts[name].rules
    elif kind == "guest" and name in cfg.guests:
        fw, rules = cfg.guests[name], cfg.guests[name].rules
    elif kind == "group" and cfg.cluster is not None and name in cfg.cluster.groups:
        fw, rules = cfg.cluster, cfg.cluster.groups[name].rules
    if fw is None:
        raise _payload_error(f"unknown firewall scope {scope!r}")
    return fw, rules


def reorder_text(fw: FwFile, rules: list[FwRule], order: list[str]) -> str:
    """The file's text with the section's rule lines permuted. Each rule line moves as it
    was written (options, trailing comment, CR); every other line, comments between rules
    included, stays where it is, byte for byte."""
    ids = [r.id for r in rules]
    if sorted(order) != sorted(ids):
        raise _payload_error("`order` must list each rule id of the scope exactly once "
                             f"(expected {len(ids)} ids: {', '.join(ids)})")
    by_id = {r.id: r for r in rules}
    lines = fw.text.split("\n")  # the parser's own split [proxguard/parsers/pvefw.py]
    for slot, rid in zip([r.line for r in rules], order, strict=True):
        lines[slot - 1] = by_id[rid].raw
    return "\n".join(lines)


def _moved(rules: list[FwRule], order: list[str]) -> list[dict[str, Any]]:
    pos = {r.id: i for i, r in enumerate(rules)}
    by_id = {r.id: r for r in rules}
    # 0-based like the API's `pos`/`moveto` and the rule ids: one numbering everywhere
    return [{"text": by_id[rid].raw.strip(" \t\r"), "from": pos[rid], "to": i}
            for i, rid in enumerate(order) if pos[rid] != i]


def _key(c: Mapping[str, Any], old_of: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]]:
    return (c["type"], old_of.get(c["rule"], c["rule"]),
            tuple(sorted(old_of.get(b, b) for b in c["by"])))


def diff_conflicts(before: list[dict[str, Any]], after: list[dict[str, Any]],
                   old_of: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(conflicts gone after the move, conflicts new after it). `old_of` maps a moved
    rule's new id to its id before the move."""
    ident = {v: v for v in old_of.values()}
    old_keys = {_key(c, ident) for c in before}
    new_keys = {_key(c, old_of) for c in after}
    fixed = [c for c in before if _key(c, ident) not in new_keys]
    broke = [c for c in after if _key(c, old_of) not in old_keys]
    return fixed, broke


# -- rendering ----------------------------------------------------------------------------

_ENV: Any = None


def _env() -> Any:
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, PackageLoader, StrictUndefined

        _ENV = Environment(loader=PackageLoader("proxguard.render", "templates"),
                           autoescape=True,  # config text is hostile input
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        from proxguard.fwcli import packet_text

        _ENV.filters["packet"] = packet_text
    return _ENV


def render_tab(cfg: FirewallConfig, analysis: dict[str, Any], diags: Diagnostics) -> str:
    scopes = scope_views(cfg, analysis)
    for s in scopes:
        s["arcs"] = arcs(s["rows"], analysis["conflicts"])
        s["height"] = max(len(s["rows"]), 1) * ROW_HEIGHT
    fw_diags = [d for d in diags if d.file.startswith("etc/pve/") and d.level != "info"]
    return _env().get_template("firewall.html.j2").render(
        scopes=scopes, conflicts=analysis["conflicts"], inactive=analysis["inactive"],
        unmodelled=analysis["unmodelled"], diagnostics=fw_diags, row=ROW_HEIGHT,
        width=ARC_WIDTH, types=_types(analysis["conflicts"]))


def _types(conflicts: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for c in conflicts:
        if c["type"] not in seen:
            seen.append(c["type"])
    return seen


def arcs(rows: list[dict[str, Any]], conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One arc per (cause, rule) pair of a conflict whose two rules are both listed in
    this scope, as an SVG path on the left of the rows (row i is centred at (i+½)·ROW)."""
    at = {r["id"]: i for i, r in enumerate(rows)}
    out = []
    for n, c in enumerate(conflicts):
        for b in c["by"]:
            if b in at and c["rule"] in at and b != c["rule"]:
                ya = (at[b] + 0.5) * ROW_HEIGHT
                yb = (at[c["rule"]] + 0.5) * ROW_HEIGHT
                bulge = min(ARC_WIDTH - 6, 14 + 12 * abs(at[b] - at[c["rule"]]))
                x0, x1 = ARC_WIDTH - 2, ARC_WIDTH - 2 - bulge
                out.append({"conflict": n, "type": c["type"], "from": b, "to": c["rule"],
                            "d": f"M{x0},{ya:g} C{x1},{ya:g} {x1},{yb:g} {x0},{yb:g}"})
    return out


FIREWALL_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "firewall": firewall, "firewall_trace": firewall_trace,
    "firewall_reorder": firewall_reorder,
}
