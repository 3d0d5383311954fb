"""The before/after comparison as an HTML fragment for the web app's History tab.

The template (templates/compare.html.j2) is a page element, not part of a report
document, but shares the one autoescaping HTML environment: every label, rule and target
id may come from a pasted config or an imported history. Classes only (the hosted page's
CSP forbids inline style attributes); the styles live in web/fixloop.css.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from proxguard.render.environment import html_environment
from proxguard.rule import category_title


def _signed(n: int | None) -> str:
    return "n/a" if n is None else (f"+{n}" if n > 0 else str(n))


def _delta_class(n: int | None) -> str:
    if not n:
        return "fl-same"
    return "fl-up" if n > 0 else "fl-down"


def _when(epoch: object) -> str:
    if not isinstance(epoch, int):
        return ""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _side(label: object, epoch: object) -> str:
    parts = [str(label) if label else "audit", _when(epoch)]
    return " ".join(p for p in parts if p)


def render_comparison_html(cmp: dict[str, Any]) -> str:
    grade, score = cmp["grade"], cmp["score"]
    g = {"before": grade["before"] or "–", "after": grade["after"] or "–",
         "before_class": grade["before"] or "none", "after_class": grade["after"] or "none"}
    s = {"before_text": "–" if score["before"] is None else score["before"],
         "after_text": "–" if score["after"] is None else score["after"],
         "delta_text": _signed(score["delta"]), "cls": _delta_class(score["delta"])}
    cats = [{"title": category_title(c["id"]),
             "before": "not assessed" if c["before"] is None else c["before"],
             "after": "not assessed" if c["after"] is None else c["after"],
             "delta": _signed(c["delta"]), "cls": _delta_class(c["delta"])}
            for c in cmp["categories"]]
    prof = cmp.get("profile", {})
    note = ""
    if prof.get("before") != prof.get("after"):
        note = (f"The profiles differ ({prof.get('before')} → {prof.get('after')}), so the "
                "scores are not directly comparable.")
    inputs_cmp = cmp.get("inputs", {})
    inputs = [(kind, p) for kind in ("changed", "added", "removed")
              for p in inputs_cmp.get(kind, [])]
    labels = cmp.get("labels", {})
    times = cmp.get("times", {})
    return html_environment().get_template("compare.html.j2").render(
        g=g, s=s, cats=cats, profile_note=note, inputs=inputs, cmp=cmp,
        labels={"before": _side(labels.get("before"), times.get("before")),
                "after": _side(labels.get("after"), times.get("after"))},
        lists=[("fixed", "Fixed", "fl-fixed"), ("new", "New failures", "fl-new"),
               ("unchanged", "Still failing", "fl-still")])
