"""HTML for a fleet: the summary table (shared with the web page) and a standalone page
with each host's report below it, reached from the table by an anchor.

Same Jinja2 environment as the single-host report, so autoescaping and the stylesheet
are shared: host names, paths and every finding come from user-supplied files.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from proxguard.render.environment import html_environment
from proxguard.render.html import render_fragment

SEVERITIES = (("critical", "CRIT"), ("high", "HIGH"), ("medium", "MED"), ("low", "LOW"),
              ("info", "INFO"))
_FLEET_CSS = """
.pg-fleet-table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
.pg-fleet-table th, .pg-fleet-table td { padding: 0.3rem 0.5rem; text-align: left;
  border-bottom: 1px solid color-mix(in srgb, currentColor 18%, transparent); vertical-align: top; }
.pg-fleet-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.pg-fleet-letter { font-weight: 700; color: var(--pg-grade); }
.pg-fleet-grade { color: var(--pg-grade); font-weight: 600; }
.pg-fleet-hit th, .pg-fleet-mark, .pg-fleet-error { color: var(--pg-F); }
.pg-fleet-host { margin-top: 2.5rem; }
"""


_ID_ATTRS = re.compile(r'\b(id|for|aria-labelledby|aria-describedby|aria-controls)="([^"]*)"')
_HREF = re.compile(r'\bhref="#([^"]*)"')


def namespaced(fragment: str, prefix: str) -> str:
    """One host's fragment with its element ids (and the links to them) prefixed, so
    several reports on one page keep unique ids and each in-report link stays in its host.
    Only attributes our templates write are touched: config text arrives escaped (a quote
    in it is `&#34;`), so it can never form one of these attributes."""
    def ids(m: re.Match[str]) -> str:
        return f'{m.group(1)}="' + " ".join(f"{prefix}-{i}" for i in m.group(2).split()) + '"'

    out = _ID_ATTRS.sub(ids, fragment)
    return _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', out)


def fleet_view(fleet: dict[str, Any]) -> dict[str, Any]:
    """What the table shows, decided here so the template only lays it out."""
    s = fleet["summary"]
    hosts = [{**h, "anchor": f"host-{i + 1}"} for i, h in enumerate(fleet["hosts"])]
    gates = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in s["thresholds"].items() if v)
    grades = [(g, n) for g, n in s["grades"].items() if g != "none" or n]
    return {"summary": s, "hosts": hosts, "gates": gates, "grades": grades,
            "severities": SEVERITIES, "profile": fleet["profile"],
            "version": fleet["tool"]["version"]}


def render_fleet_table(fleet: dict[str, Any]) -> str:
    return html_environment().get_template("fleet_table.html.j2").render(f=fleet_view(fleet))


def render_fleet_html(fleet: dict[str, Any]) -> str:
    env = html_environment()
    view = fleet_view(fleet)
    for h in view["hosts"]:
        h["fragment"] = Markup(namespaced(render_fragment(h["report"], interactive=False),
                                          h["anchor"])) if h["report"] is not None else None
    css = env.get_template("report.css.j2").render() + _FLEET_CSS
    return env.get_template("fleet_page.html.j2").render(
        f=view, css=Markup(css), table=Markup(render_fleet_table(fleet)))
