"""A small grade trend per host for the History tab: an inline SVG sparkline of the
scores of the saved audits of one host, with the grades written under it.

Geometry is computed here, the template (trend.html.j2) lays it out; autoescaped like
every template, since a host label may come from a pasted file's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from proxguard.render.environment import html_environment

_W, _H, _PAD = 160, 36, 4
MAX_POINTS = 30


def _when(t: object) -> str:
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        seconds = t / 1000 if t > 10**11 else t  # the page stores milliseconds
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return ""


def _trend_view(trend: dict[str, Any]) -> dict[str, Any]:
    points = trend["points"][-MAX_POINTS:]
    n = len(points)
    step = (_W - 2 * _PAD) / max(1, n - 1)
    dots = []
    for i, p in enumerate(points):
        score = p.get("score")
        graded = isinstance(score, int) and not isinstance(score, bool)
        value = max(0, min(100, score)) if graded else 0
        dots.append({"x": round(_PAD + i * step, 1),
                     "y": round(_H - _PAD - (_H - 2 * _PAD) * value / 100, 1),
                     "graded": graded, "grade": p.get("grade") or "–",
                     "grade_class": f"g-{p['grade']}" if p.get("grade") else "g-none",
                     "score": score if graded else None, "when": _when(p.get("time"))})
    graded = [d for d in dots if d["graded"]]
    words = ", ".join(f"{d['grade']} ({d['score']})" if d["graded"] else "not graded"
                      for d in dots)
    return {"host": trend["host"], "dots": dots,
            "line": " ".join(f"{d['x']},{d['y']}" for d in graded),
            "label": f"Grade trend for {trend['host']}, oldest first: {words}.",
            "w": _W, "h": _H}


def render_trend(trends: list[dict[str, Any]]) -> str:
    return html_environment().get_template("trend.html.j2").render(
        trends=[_trend_view(t) for t in trends])
