"""The before/after comparison as an HTML fragment for the web app's History tab.

Kept apart from the report templates (proxguard/render/templates) because it is a page
element, not part of a report document; autoescaped like them, since every label, rule
and target id may come from a pasted config or an imported history. Classes only (the
hosted page's CSP forbids inline style attributes); the styles live in web/fixloop.css.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2

_TITLES = {"ssh": "SSH", "firewall": "Firewall", "auth": "Authentication",
           "container": "Container", "storage": "Storage", "api": "API"}

_TEMPLATE = """\
<div class="fl-compare">
  <p class="fl-cmp-grade">
    <span class="fl-grade g-{{ g.before_class }}">{{ g.before }}</span>
    <span class="fl-arrow" aria-hidden="true">→</span>
    <span class="fl-grade g-{{ g.after_class }}">{{ g.after }}</span>
    <span class="fl-vh">grade {{ g.before }} before, {{ g.after }} after</span>
    <span class="fl-cmp-score">score {{ s.before_text }} → {{ s.after_text }}
      <strong class="fl-delta {{ s.cls }}">({{ s.delta_text }})</strong></span>
  </p>
  <p class="fl-muted">Before: {{ labels.before }} · After: {{ labels.after }}</p>
  {% if profile_note %}<p class="fl-note">{{ profile_note }}</p>{% endif %}
  <table class="fl-cmp-cats">
    <caption>Category scores</caption>
    <thead><tr><th scope="col">Category</th><th scope="col">Before</th>
      <th scope="col">After</th><th scope="col">Change</th></tr></thead>
    <tbody>
    {% for c in cats %}
      <tr><th scope="row">{{ c.title }}</th><td>{{ c.before }}</td><td>{{ c.after }}</td>
        <td class="fl-delta {{ c.cls }}">{{ c.delta }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  <div class="fl-cmp-lists">
  {% for key, title, cls in lists %}
    <section class="fl-cmp-list {{ cls }}" data-list="{{ key }}">
      <h4>{{ title }} <span class="fl-count">({{ cmp[key] | length }})</span></h4>
      {% if cmp[key] %}
      <ul>{% for i in cmp[key] %}<li><code>{{ i.rule }}</code> {{ i.target }}</li>{% endfor %}</ul>
      {% else %}<p class="fl-muted">none</p>{% endif %}
    </section>
  {% endfor %}
    <section class="fl-cmp-list" data-list="inputs">
      <h4>Changed inputs <span class="fl-count">({{ inputs | length }})</span></h4>
      {% if inputs %}
      <ul>{% for kind, path in inputs %}<li>{{ kind }}: <code>{{ path }}</code></li>{% endfor %}</ul>
      {% else %}<p class="fl-muted">none</p>{% endif %}
    </section>
  </div>
</div>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_COMPILED = _ENV.from_string(_TEMPLATE)


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
    cats = [{"title": _TITLES.get(c["id"], c["id"]),
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
    return _COMPILED.render(
        g=g, s=s, cats=cats, profile_note=note, inputs=inputs, cmp=cmp,
        labels={"before": _side(labels.get("before"), times.get("before")),
                "after": _side(labels.get("after"), times.get("after"))},
        lists=[("fixed", "Fixed", "fl-fixed"), ("new", "New failures", "fl-new"),
               ("unchanged", "Still failing", "fl-still")])
