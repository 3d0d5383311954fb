"""Before/after: what an operator's fix changed, from two saved reports.

Works on report dicts only (a saved JSON report or a browser history entry), keyed by
(rule, target), so a comparison never needs the raw configs again.
"""

from __future__ import annotations

from typing import Any

_BAD = ("fail",)


def _targets(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(f["rule"], t["id"]): t["status"] for f in report.get("findings", [])
            for t in f.get("targets", [])}


def compare_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before, after = _targets(old), _targets(new)
    fixed = sorted(k for k, s in before.items() if s in _BAD and after.get(k) not in _BAD)
    new_fail = sorted(k for k, s in after.items() if s in _BAD and before.get(k) not in _BAD)
    still = sorted(k for k, s in after.items() if s in _BAD and before.get(k) in _BAD)
    old_cats = {c["id"]: c for c in old.get("categories", [])}
    cats = []
    for c in new.get("categories", []):
        o = old_cats.get(c["id"], {})
        delta = (c["score"] - o["score"]) if c.get("score") is not None \
            and o.get("score") is not None else None
        cats.append({"id": c["id"], "before": o.get("score"), "after": c.get("score"),
                     "delta": delta})
    old_inputs = {i["path"]: i.get("sha256") for i in old.get("inputs", [])}
    new_inputs = {i["path"]: i.get("sha256") for i in new.get("inputs", [])}
    return {
        "grade": {"before": old.get("grade"), "after": new.get("grade")},
        "score": {"before": old.get("score"), "after": new.get("score"),
                  "delta": (new["score"] - old["score"])
                  if new.get("score") is not None and old.get("score") is not None else None},
        "profile": {"before": old.get("profile"), "after": new.get("profile")},
        "categories": cats,
        "fixed": [{"rule": r, "target": t} for r, t in fixed],
        "new": [{"rule": r, "target": t} for r, t in new_fail],
        "unchanged": [{"rule": r, "target": t} for r, t in still],
        "inputs": {
            "added": sorted(set(new_inputs) - set(old_inputs)),
            "removed": sorted(set(old_inputs) - set(new_inputs)),
            "changed": sorted(p for p in set(new_inputs) & set(old_inputs)
                              if new_inputs[p] != old_inputs[p]),
        },
    }
