"""The Firewall tab as HTML: each file's rules with their states and conflict arcs, a
packet trace, and what a reorder fixed or broke.

Rendered from the analysis and the views of `proxguard.firewall`; the page only moves the
HTML into place. The templates share the one autoescaping HTML environment
(`proxguard.render.environment`).
"""

from __future__ import annotations

from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.firewall.result import ConflictRecord, FirewallAnalysis
from proxguard.firewall.views import scope_views
from proxguard.model.firewall import FirewallConfig
from proxguard.render.environment import html_environment

ROW_HEIGHT = 32  # px; firewall.css gives every rule row exactly this height
ARC_WIDTH = 140


def render_tab(cfg: FirewallConfig, analysis: FirewallAnalysis, diags: Diagnostics) -> str:
    scopes = scope_views(cfg, analysis)
    for s in scopes:
        s["arcs"] = arcs(s["rows"], analysis.conflicts)
        s["height"] = max(len(s["rows"]), 1) * ROW_HEIGHT
    fw_diags = [d for d in diags if d.file.startswith("etc/pve/") and d.level != "info"]
    return html_environment().get_template("firewall.html.j2").render(
        scopes=scopes, conflicts=analysis.conflicts, inactive=analysis.inactive,
        unmodelled=analysis.unmodelled, diagnostics=fw_diags, row=ROW_HEIGHT,
        width=ARC_WIDTH, types=_types(analysis.conflicts))


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
