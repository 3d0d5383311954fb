"""History tab helpers: rule titles for the comparison and the grade trend per host.

Façade handlers like those in `proxguard.web.fix` (payload dict in, JSON-able dict out).
The page keeps history entries in localStorage (see `fix.history_entry`); which entries
belong to the same host, and the trend's picture, are decided here and drawn by a Jinja2
template (`proxguard.render.trend`), never assembled in the page's script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from proxguard.render.trend import render_trend
from proxguard.rules import ALL_RULES
from proxguard.web.protocol import Payload, PayloadError

HISTORY_SCHEMA = "proxguard-history/1"
MAX_ENTRIES = 200  # the page keeps 30; a bound for imported or hand-made lists
_NODE = re.compile(r"^etc/pve/nodes/([^/]+)/")
TITLES: dict[str, str] = {r.id: r.title for r in ALL_RULES}


def with_titles(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Comparison rows gain the rule's title (history entries keep only rule ids)."""
    return [{**i, "title": TITLES.get(str(i.get("rule")), "")} for i in items]


def host_of(entry: Mapping[str, Any]) -> str:
    """Which host an audit was of: the node named by its inputs (etc/pve/nodes/<node>/),
    else the entry's label (a demo's title, or the names of the files given)."""
    nodes = sorted({m.group(1) for i in entry.get("inputs") or []
                    if isinstance(i, Mapping) and (m := _NODE.match(str(i.get("path", ""))))})
    if nodes:
        return "node " + ", ".join(nodes)
    return str(entry.get("label") or "unnamed inputs")


def history_trend(payload: Payload) -> dict[str, Any]:
    """The saved audits (oldest first) → one grade trend per host, newest host first."""
    entries = payload.get("entries")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("schema") == HISTORY_SCHEMA for e in entries):
        raise PayloadError("`entries` must be a list of proxguard-history/1 entries")
    hosts: dict[str, list[dict[str, Any]]] = {}
    latest: dict[str, int] = {}
    for n, e in enumerate(entries[-MAX_ENTRIES:]):
        host = host_of(e)
        hosts.setdefault(host, []).append(e)
        latest[host] = n
    order = sorted(hosts, key=lambda h: -latest[h])  # the host audited last comes first
    trends = [{"host": host, "points": [{"grade": e.get("grade"), "score": e.get("score"),
                                         "time": e.get("saved_at") or e.get("audit_time")}
                                        for e in hosts[host]]}
              for host in order]
    return {"trends": trends, "html": render_trend(trends)}


HISTORY_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "history_trend": history_trend,
}
