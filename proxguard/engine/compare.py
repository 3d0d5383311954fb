"""Before/after: what an operator's fix changed, from two saved reports.

Works on report dicts only (a saved JSON report or a browser history entry), keyed by
(rule, target), so a comparison never needs the raw configs again.
"""

from __future__ import annotations

from typing import Any

_BAD = ("fail",)


class ReportShapeError(ValueError):
    """A saved report that parses as JSON but is not shaped like a ProxGuard report."""


def _list_of_dicts(value: object, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ReportShapeError(f"{where} is not a list of objects")
    return value


def _need(obj: dict[str, Any], key: str, types: tuple[type, ...], where: str) -> None:
    value = obj.get(key)
    if not isinstance(value, types) or isinstance(value, bool):
        names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        raise ReportShapeError(f"{where}.{key} is missing or not {names}")


def check_shape(report: object, label: str) -> None:
    """Raises ReportShapeError naming the first field `compare_reports` could not use, so
    a malformed saved report is a one-line error, never a traceback."""
    if not isinstance(report, dict):
        raise ReportShapeError(f"{label}: not a JSON object")
    if report.get("score") is not None:
        _need(report, "score", (int, float), label)
    for i, f in enumerate(_list_of_dicts(report.get("findings"), f"{label}: findings")):
        where = f"{label}: findings[{i}]"
        _need(f, "rule", (str,), where)
        for j, t in enumerate(_list_of_dicts(f.get("targets"), f"{where}.targets")):
            _need(t, "id", (str,), f"{where}.targets[{j}]")
            _need(t, "status", (str,), f"{where}.targets[{j}]")
    for i, c in enumerate(_list_of_dicts(report.get("categories"), f"{label}: categories")):
        _need(c, "id", (str,), f"{label}: categories[{i}]")
        if c.get("score") is not None:
            _need(c, "score", (int, float), f"{label}: categories[{i}]")
    for i, inp in enumerate(_list_of_dicts(report.get("inputs"), f"{label}: inputs")):
        _need(inp, "path", (str,), f"{label}: inputs[{i}]")


def _targets(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(f["rule"], t["id"]): t["status"] for f in report.get("findings", [])
            for t in f.get("targets", [])}


def compare_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    check_shape(old, "the previous report")
    check_shape(new, "the new report")
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
