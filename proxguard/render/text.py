"""A terminal report: grade first, then what failed with its proof, then what was not seen.

Plain text with no colour codes, so it reads the same in a CI log, a pager and a ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from proxguard.render.escape import printable_tree, shallow, write_lines
from proxguard.render.logins import clean, text_lines
from proxguard.rule import category_title

_MARK = {"fail": "FAIL", "pass": "pass", "accepted": "ACCEPTED", "not_applicable": "n/a",
         "not_evaluated": "not assessed"}


def render_text(report: dict[str, Any]) -> str:
    return "\n".join(text_lines_of(report)).rstrip() + "\n"


def write_text(report: dict[str, Any], out: TextIO) -> None:
    """The same text as render_text, written line by line."""
    write_lines(text_lines_of(report), out)


def text_lines_of(report: dict[str, Any]) -> Iterator[str]:
    """Every line of the report. Config text may hold terminal escapes: each value is
    made printable as it is shown (the findings' targets only when shown), then each
    line is cleaned, instead of copying the whole report first."""
    for line in _lines(report):
        yield clean(line)


def _lines(raw: dict[str, Any]) -> Iterator[str]:
    report = printable_tree({k: v for k, v in raw.items()
                             if k not in ("findings", "firewall", "ssh_logins")})
    out: list[str] = []
    grade = report.get("grade") or "-"
    score = report.get("score")
    assessed = [c for c in report["categories"] if c["assessed"]]
    out.append(f"ProxGuard {report['tool']['version']} — profile {report['profile']}")
    if report.get("live"):
        out.append(_live_line(report["live"]))
    evidence = report.get("evidence") or {}
    if score is None:
        out.append("Grade: not assessed (nothing recognisable was supplied)"
                   if evidence.get("unrecognised") else
                   "Grade: not assessed (no supported input was supplied)")
    else:
        out.append(f"Grade: {grade}  Score: {score}/100  "
                   f"({len(assessed)} of {len(report['categories'])} categories assessed, "
                   f"rule coverage {round(report['coverage'] * 100)} %)")
        if report.get("summary", {}).get("accepted_targets"):
            out.append(f"Without acceptances: {report['grade_without_acceptances']} "
                       f"{report['score_without_acceptances']}/100 "
                       f"({report['summary']['accepted_targets']} accepted target(s))")
    if evidence.get("note"):
        out.append(f"Note: {evidence['note']}")
    out.append("")
    for c in report["categories"]:
        title = category_title(c["id"])
        if c["assessed"]:
            out.append(f"  {title:<15} {c['score']:>3}  {c['grade']}   (weight {c['weight']})")
        else:
            out.append(f"  {title:<15}   -  not assessed")
    out.append("")
    yield from out
    for f in raw["findings"]:
        yield from _finding(shallow(f, printable_tree))
    yield from text_lines(printable_tree(raw.get("ssh_logins")))
    if report.get("diagnostics"):
        yield "Diagnostics:"
        for d in report["diagnostics"]:
            where = f"{d['file']}:{d['line']}" if d["line"] else (d["file"] or "(input)")
            yield f"  {d['level']:<7} {where}: {d['message']}"


def _finding(f: dict[str, Any]) -> Iterator[str]:
    status = f["status"]
    yield f"[{_MARK[status]}] {f['rule']} — {f['title']} ({f['severity']})"
    if status == "not_evaluated":
        missing = ", ".join(f.get("missing_inputs", [])) or f.get("error", "") or (
            "what decides it is in no supplied file (see each object)")
        yield (f"    not assessed: {f['error']}" if f.get("error")
               else f"    not assessed: missing {missing}" if f.get("missing_inputs")
               else f"    not assessed: {missing}")
    passing = [t for t in f["targets"] if t["status"] == "pass"]
    shown = [t for t in f["targets"] if t["status"] != "pass"]
    if status == "pass" and len(passing) <= 3:
        shown = passing
    for t in map(printable_tree, shown):
        where = f" at {t['file']}:{t['line']}" if t.get("file") else ""
        cond = f" [{t['conditional']}]" if t.get("conditional") else ""
        yield f"    {t['status']:<8} {t['id']}{cond}{where}: {t['evidence']}"
        if t.get("source"):
            yield f"             > {t['source'].strip()}"
        if t.get("acceptance"):
            yield f"             accepted: {t['acceptance']['reason']}"
    hidden = len(passing) - sum(1 for t in shown if t["status"] == "pass")
    if hidden:
        yield f"    ({hidden} other target(s) pass)"
    if status == "fail" and f["remediation"]["summary"]:
        yield f"    fix: {f['remediation']['summary']}"
    yield ""


def _live_line(live: dict[str, Any]) -> str:
    """Which running host was audited, on what, when (`proxguard audit /`)."""
    when = datetime.fromtimestamp(int(live.get("time") or 0), tz=UTC)
    version = live.get("pveversion") or "no pveversion (not a Proxmox VE node, or not root)"
    who = "" if live.get("root") else " — not root: some inputs could not be read"
    return f"Live host: {live.get('hostname')} — {version} — audited {when:%Y-%m-%d %H:%M} UTC{who}"
