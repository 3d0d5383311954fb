"""The Firewall tab as HTML: each file's rules with their states and conflict arcs, a
packet trace, and what a reorder fixed or broke.

Rendered from the analysis and the views of `proxguard.firewall`; the page only moves the
HTML into place. The templates share the one autoescaping HTML environment
(`proxguard.render.environment`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.firewall.result import ConflictRecord, FirewallAnalysis
from proxguard.firewall.views import scope_views
from proxguard.model.firewall import FirewallConfig
from proxguard.render.environment import html_environment

ROW_HEIGHT = 32  # px; firewall.css gives every rule row exactly this height
ARC_WIDTH = 140
# A long scope shows its first ROWS_SHOWN rows (and the page asks for more, ROWS_STEP at
# a time, or all); the first PROOFS_SHOWN conflicts carry their proof in the tab, the
# others' proof is rendered when opened. Above what the demos show (a handful of rules
# and conflicts), so their tab is whole. Issue 14: 5,000 rules were 5.8 MB of HTML.
ROWS_SHOWN = 200
ROWS_STEP = 1000
PROOFS_SHOWN = 200


def render_tab(cfg: FirewallConfig, analysis: FirewallAnalysis, diags: Diagnostics,
               shown: Mapping[str, int] | None = None,
               reveal: Collection[str] = ()) -> str:
    """The tab: each scope's first rows (`shown`: rows per scope the page had shown, kept;
    `reveal`: rule ids whose rows must be shown, e.g. the ones a move placed), its arcs,
    every conflict (the first PROOFS_SHOWN with their proof)."""
    scopes = [_cut(s, analysis, _wanted(s, shown, reveal)) for s in scope_views(cfg, analysis)]
    fw_diags = [d for d in diags if d.file.startswith("etc/pve/") and d.level != "info"]
    return html_environment().get_template("firewall.html.j2").render(
        scopes=scopes, conflicts=analysis.conflicts, inactive=analysis.inactive,
        unmodelled=analysis.unmodelled, diagnostics=fw_diags, row=ROW_HEIGHT,
        width=ARC_WIDTH, types=_types(analysis.conflicts), details=PROOFS_SHOWN)


def render_more(cfg: FirewallConfig, analysis: FirewallAnalysis, shown: Mapping[str, int],
                scope: str | None, upto: int, reveal: Collection[str]) -> list[dict[str, Any]]:
    """The rows the page lacks: for `scope` up to row `upto`, and in every scope up to the
    rows of the rule ids in `reveal`. One part per scope that grows: its new rows' HTML
    (after the `start` rows the page has), its arcs and "show more" control for all
    rows shown now."""
    parts = []
    parts_of = _parts()
    for view in scope_views(cfg, analysis):
        had = max(0, min(shown.get(view["scope"], ROWS_SHOWN), len(view["rows"])))
        want = _wanted(view, {view["scope"]: upto} if view["scope"] == scope else shown,
                       reveal)
        if want <= had:
            continue
        s = _cut(view, analysis, want)
        parts.append({"scope": s["scope"], "start": had, "shown": want, "total": s["total"],
                      "rows": str(parts_of.rows(s, had)),
                      "svg": str(parts_of.arcs_svg(s, ARC_WIDTH)),
                      "more": str(parts_of.more(s))})
    return parts


def render_proof(analysis: FirewallAnalysis, n: int) -> str:
    """Conflict `n`'s proof (message, example packets, chains) for the conflict list."""
    return str(_parts().detail(analysis.conflicts[n]))


def _parts() -> Any:
    return html_environment().get_template("firewall_parts.html.j2").module


def _wanted(view: dict[str, Any], shown: Mapping[str, int] | None,
            reveal: Collection[str]) -> int:
    """How many of the scope's rows to show: at least ROWS_SHOWN (or what the page had),
    and through the last row holding a rule id in `reveal` (a group's rule shows under
    each GROUP line that uses it: every one of its rows is shown)."""
    rows = view["rows"]
    n = max(ROWS_SHOWN, (shown or {}).get(view["scope"], 0))
    if reveal:
        for i in range(len(rows) - 1, n - 1, -1):
            if rows[i]["id"] in reveal:
                n = i + 1
                break
    return min(n, len(rows))


def _cut(view: dict[str, Any], analysis: FirewallAnalysis, n: int) -> dict[str, Any]:
    """The view with its first `n` rows, their arcs, and what the page needs to move a
    rule it does not show (the scope's whole order of movable rules)."""
    rows = view["rows"]
    s = dict(view, rows=rows[:n], total=len(rows), next=min(n + ROWS_STEP, len(rows)),
             order=[r["id"] for r in rows if r["movable"]])
    s["arcs"] = arcs(s["rows"], analysis.conflicts)
    s["height"] = max(n, 1) * ROW_HEIGHT
    return s


def render_trace(trace: dict[str, Any]) -> str:
    return html_environment().get_template("firewall_trace.html.j2").render(trace=trace)


def render_path(path: dict[str, Any]) -> str:
    return html_environment().get_template("firewall_path.html.j2").render(path=path)


def render_ports(ports: list[dict[str, Any]]) -> str:
    """The guest ports section with the tester's example specs (one per zone kind)."""
    return html_environment().get_template("firewall_ports.html.j2").render(
        ports=ports, examples=path_examples(ports))


def path_examples(ports: list[dict[str, Any]]) -> list[str]:
    out = ["tcp outside -> host:8006", "tcp outside -> host:22"]
    for p in ports[:20]:
        own = p["zone"] if p["net"] == "net0" else f"{p['zone']}.{p['net']}"
        out += [f"tcp {own} -> 198.51.100.7:443", f"tcp {own} -> host:8006",
                f"tcp outside -> {own}:22"]
    return out


def render_delta(fixed: list[dict[str, Any]], broke: list[dict[str, Any]],
                 notes: list[dict[str, Any]], moved: list[dict[str, Any]]) -> str:
    return html_environment().get_template("firewall_delta.html.j2").render(
        fixed=fixed, broke=broke, notes=notes, moved=moved)


def _types(conflicts: list[ConflictRecord]) -> list[str]:
    seen: list[str] = []
    for c in conflicts:
        if c["type"] not in seen:
            seen.append(c["type"])
    return seen


def arcs(rows: list[dict[str, Any]], conflicts: list[ConflictRecord]) -> list[dict[str, Any]]:
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
