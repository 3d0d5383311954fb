"""The report's overview at a glance: a bar chart of the category scores and the failing
findings counted by severity.

Drawn from the report JSON as an inline SVG by a Jinja2 template (chart.svg.j2), so the
web page, the standalone HTML report and print all show the same picture with no chart
library and no script. Geometry and wording are decided here; the template only lays
them out. Colours come from the report stylesheet's variables, so dark mode and print
follow the page.
"""

from __future__ import annotations

from typing import Any

# Failing findings are counted under the severity the report shows (effective first).
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
_LABEL_W = 118  # room for the longest category title at the chart's font size
_BAR_W = 150
_ROW_H = 24
_TOP = 4


def chart_view(categories: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per category: its score out of 100, or a dashed track when not assessed.
    `label` is the chart's accessible name: every category and its score in words."""
    rows = []
    words = []
    for i, c in enumerate(categories):
        assessed = bool(c.get("assessed")) and c.get("score") is not None
        score = max(0, min(100, int(c["score"]))) if assessed else 0
        y = _TOP + i * _ROW_H
        rows.append({
            "title": c["title"], "assessed": assessed, "score": score,
            "grade": c.get("grade") or "", "grade_class": c["grade_class"],
            "y": y, "text_y": y + 14, "bar_y": y + 5,
            "fill_w": round(_BAR_W * score / 100, 1),
            "value": f"{score} {c.get('grade') or ''}".strip() if assessed else "not assessed",
        })
        words.append(f"{c['title']} {score} of 100, grade {c.get('grade')}" if assessed
                     else f"{c['title']} not assessed")
    return {
        "rows": rows, "label": "Category scores: " + "; ".join(words) + ".",
        "width": _LABEL_W + _BAR_W + 92, "height": _TOP * 2 + len(rows) * _ROW_H,
        "label_w": _LABEL_W, "bar_x": _LABEL_W, "bar_w": _BAR_W,
        "value_x": _LABEL_W + _BAR_W + 8,
    }


def severity_counts(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failing findings per severity, worst first; severities with none are left out."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        if f.get("status") == "fail":
            sev = f.get("effective_severity") or f.get("severity")
            if sev in counts:
                counts[sev] += 1
    return [{"severity": s, "count": n} for s, n in counts.items() if n]


def search_text(f: dict[str, Any]) -> str:
    """What the page's finding filter matches against: title, rule id, every target and
    every file the finding cites, lower-cased (the filter only compares text)."""
    parts = [str(f.get("title", "")), str(f.get("rule", ""))]
    for t in f.get("targets") or []:
        parts.append(str(t.get("id", "")))
        if t.get("file"):
            parts.append(str(t["file"]))
    return " ".join(" ".join(parts).split()).lower()
