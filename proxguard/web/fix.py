"""The browser's fix loop: fix-all script, acceptances in and out, history, before/after.

These are façade handlers like those in `proxguard.web.facade` (payload dict in, JSON-able
dict out, `protocol.PayloadError` for a request the page got wrong); the façade registers
`FIX_HANDLERS`. Everything the page shows here is decided in Python: which targets can be
fixed and in which order (`proxguard.remediation.plan`), what an acceptance file means
(`proxguard.engine.acceptances`), what changed between two audits
(`proxguard.engine.compare`). The page only keeps the returned text and JSON and moves
it around.

The history entry is what the browser may keep in localStorage, so it holds statuses,
scores and input hashes only; never evidence (it quotes config lines) and never the
configs themselves unless the user explicitly opts in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import (
    Acceptance,
    AcceptanceError,
    acceptance_from,
    dump_acceptances,
    parse_acceptances,
)
from proxguard.engine.audit import Report
from proxguard.engine.compare import compare_reports
from proxguard.engine.run import Finding
from proxguard.remediation.plan import Context, Fragment, combine, plan
from proxguard.render.compare_html import render_comparison_html
from proxguard.render.markdown import render_comparison
from proxguard.web.history import with_titles
from proxguard.web.protocol import Payload, PayloadError, run_audit

HISTORY_SCHEMA = "proxguard-history/1"
ACCEPT_FILE = "acceptances.toml"


# -- fix script -------------------------------------------------------------------------------

def fix_script(payload: Payload) -> dict[str, Any]:
    """The combined script for the chosen (rule, target) pairs of a fresh audit of the same
    inputs the page audits (`targets` absent or null: every unaccepted failing target but
    those in `exclude`),
    plus the choices the page shows as checkboxes, already in the script's safe order."""
    report = _run_audit(payload)
    fragments = plan(report.findings)
    chosen = _chosen(payload.get("targets"), "targets")
    excluded = _chosen(payload.get("exclude"), "exclude") or set()
    if chosen is None:  # `exclude`: everything failing but these, so new failures are ticked
        chosen = {(f.rule, f.target) for f in fragments if f.parent is None} - excluded
    # the plan's own safety steps come with the fix they protect (fix_guard.py)
    selected = [f for f in fragments if f.chosen_by(chosen)]
    available = {(f.rule, f.target) for f in fragments if f.parent is None}
    accepted = _accepted(report.findings)
    ctx = Context(_source(payload, report.to_json()), report.to_json()["profile"],
                  report.host.now, tuple(f"{r} {t} ({why})" for r, t, why in accepted))
    dry_run = payload.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise PayloadError("`dry_run` must be true or false")
    return {
        "script": combine(selected, ctx, dry_run=dry_run),
        "filename": "proxguard-fix.sh",
        "dry_run": dry_run,
        "choices": _choices(report.findings, fragments, chosen),
        "selected": [{"rule": f.rule, "target": f.target} for f in selected
                     if f.parent is None],
        "unmatched": [{"rule": r, "target": t} for r, t in sorted((chosen or set()) - available)],
        "accepted": [{"rule": r, "target": t, "reason": why} for r, t, why in accepted],
    }


def _run_audit(payload: Payload) -> Report:
    return run_audit(payload)[0]


def _chosen(value: object, key: str) -> set[tuple[str, str]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise PayloadError(f"`{key}` must be a list of {{rule, target}} objects")
    out = set()
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("rule"), str)
                and isinstance(item.get("target"), str)):
            raise PayloadError(f"each of `{key}` must be an object {{rule, target}}")
        out.add((item["rule"], item["target"]))
    return out


def _choices(findings: Sequence[Finding], fragments: Sequence[Fragment],
             chosen: set[tuple[str, str]] | None) -> list[dict[str, Any]]:
    """One group per rule, in the order the script runs them, each target with its
    evidence so the operator sees what the fix is about before ticking it."""
    by_rule = {f.rule.id: f for f in findings}
    groups: dict[str, dict[str, Any]] = {}
    for frag in fragments:
        if frag.parent is not None:
            continue  # not a choice: it runs with its parent fix
        finding = by_rule[frag.rule]
        group = groups.setdefault(frag.rule, {
            "rule": frag.rule, "title": finding.rule.title, "phase": frag.phase.title,
            "severity": finding.severity.value, "targets": []})
        evidence = next((t.result.evidence for t in finding.failing
                         if t.result.id == frag.target), "")
        group["targets"].append({
            "id": frag.target, "evidence": evidence, "error": frag.error,
            "chosen": chosen is None or (frag.rule, frag.target) in chosen})
    return list(groups.values())


def _accepted(findings: Sequence[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule.id, t.result.id, t.acceptance.reason if t.acceptance else "")
            for f in findings for t in f.accepted]


def _source(payload: Payload, report: Mapping[str, Any]) -> str:
    label = payload.get("source")
    if isinstance(label, str) and label.strip():
        return label.strip()
    return f"{len(report.get('inputs', []))} input file(s) audited in the browser"


# -- acceptances ------------------------------------------------------------------------------

def acceptances_import(payload: Payload) -> dict[str, Any]:
    """A TOML acceptances file → the list the page keeps, with a diagnostic per bad entry
    (the good entries are still imported, so one typo does not lose the whole file)."""
    text = payload.get("toml")
    if not isinstance(text, str):
        raise PayloadError("`toml` must be the text of an acceptances file")
    name = payload.get("name") if isinstance(payload.get("name"), str) else ACCEPT_FILE
    diags = Diagnostics()
    try:
        items = parse_acceptances(text, name, diags)
    except AcceptanceError as exc:
        diags.error(name, 0, str(exc))
        items = []
    return {"acceptances": [a.to_json() for a in _dedupe(items)],
            "diagnostics": [d.to_json() for d in diags]}


def acceptances_export(payload: Payload) -> dict[str, Any]:
    """The page's list → TOML text to download (and to send with the next audit). Bad
    entries are left out and said so, never written into a file that would then fail."""
    items = payload.get("acceptances")
    if not isinstance(items, list):
        raise PayloadError("`acceptances` must be a list of {rule, target, reason, expires}")
    diags = Diagnostics()
    good = [a for i, entry in enumerate(items, start=1)
            if (a := acceptance_from(entry, f"acceptance #{i}", i, ACCEPT_FILE, diags,
                                     "left out")) is not None]
    good = _dedupe(good)
    return {"toml": dump_acceptances(good), "filename": ACCEPT_FILE,
            "acceptances": [a.to_json() for a in good],
            "diagnostics": [d.to_json() for d in diags]}


def _dedupe(items: Iterable[Acceptance]) -> list[Acceptance]:
    """One acceptance per (rule, target): the later entry wins, as a re-accept with a new
    reason or expiry is meant to replace the old one."""
    out: dict[tuple[str, str], Acceptance] = {}
    for a in items:
        out.pop((a.rule, a.target), None)
        out[(a.rule, a.target)] = a
    return list(out.values())


# -- history ----------------------------------------------------------------------------------

def history_entry(payload: Payload) -> dict[str, Any]:
    """A report → the compact summary the page keeps in localStorage. `configs` (the raw
    files) is included only when `keep_configs` is true: the user's explicit opt-in."""
    report = _report(payload.get("report"), "report")
    entry: dict[str, Any] = {
        "schema": HISTORY_SCHEMA,
        "audit_time": report.get("audit_time"),
        "label": _label(payload.get("label"), report),
        "profile": report.get("profile"),
        "grade": report.get("grade"),
        "score": report.get("score"),
        "grade_without_acceptances": report.get("grade_without_acceptances"),
        "score_without_acceptances": report.get("score_without_acceptances"),
        "coverage": report.get("coverage"),
        "summary": dict(report.get("summary", {})),
        "categories": [{k: c.get(k) for k in ("id", "score", "grade", "assessed")}
                       for c in report.get("categories", [])],
        "findings": [{"rule": f["rule"], "status": f["status"],
                      "targets": [{"id": t["id"], "status": t["status"]}
                                  for t in f.get("targets", [])]}
                     for f in report.get("findings", [])],
        "inputs": [{"path": i["path"], "kind": i.get("kind"), "sha256": i.get("sha256")}
                   for i in report.get("inputs", [])],
        "acceptances": len(report.get("acceptances", {}).get("applied", [])),
    }
    entry["fingerprint"] = _fingerprint(entry)
    if payload.get("keep_configs") is True:
        files = payload.get("files")
        if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
            raise PayloadError("`files` must be an object of name → text to keep configs")
        entry["configs"] = dict(files)
    return {"entry": entry}


def _report(value: object, key: str) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("schema") in ("proxguard-report/1", HISTORY_SCHEMA):
        return value
    raise PayloadError(f"`{key}` must be a proxguard report or history entry")


def _label(value: object, report: Mapping[str, Any]) -> str:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:120]
    paths = [i["path"].rsplit("/", 1)[-1] for i in report.get("inputs", [])]
    if not paths:
        return "no inputs"
    more = f" +{len(paths) - 3} more" if len(paths) > 3 else ""
    return ", ".join(paths[:3]) + more


def _fingerprint(entry: Mapping[str, Any]) -> str:
    """Same inputs, profile and outcome → same fingerprint: the page records an audit
    only once however often it re-runs it."""
    key = {"profile": entry["profile"], "inputs": entry["inputs"],
           "findings": entry["findings"], "acceptances": entry["acceptances"]}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


# -- compare ----------------------------------------------------------------------------------

def compare(payload: Payload) -> dict[str, Any]:
    """Two history entries (or reports) → the comparison, as data, Markdown for a ticket,
    and an HTML fragment for the page."""
    old = _report(payload.get("old"), "old")
    new = _report(payload.get("new"), "new")
    cmp = compare_reports(old, new)
    for key in ("fixed", "new", "unchanged"):
        cmp[key] = with_titles(cmp[key])
    cmp["labels"] = {"before": old.get("label"), "after": new.get("label")}
    cmp["times"] = {"before": old.get("audit_time"), "after": new.get("audit_time")}
    markdown = "\n".join(render_comparison(cmp)).rstrip() + "\n"
    return {"comparison": cmp, "markdown": markdown, "html": render_comparison_html(cmp)}


FIX_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "fix_script": fix_script,
    "acceptances_import": acceptances_import,
    "acceptances_export": acceptances_export,
    "history_entry": history_entry,
    "compare": compare,
}
