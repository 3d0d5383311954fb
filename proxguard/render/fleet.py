"""Fleet renderers: the `proxguard-fleet/1` dict → text, Markdown, HTML, JSON, SARIF, JUnit.

The summary table comes first (one row per host: grade, score, failing targets by
severity, worst findings) because with forty hosts the question is "which ones?";
per-host detail follows on request and is each host's own single-host rendering, so a
host reads the same alone or in a fleet. SARIF has one run and JUnit one suite per host.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from proxguard.render import render
from proxguard.render.escape import printable
from proxguard.render.fleet_html import render_fleet_html
from proxguard.render.junit import junit_suite
from proxguard.render.sarif import SARIF_SCHEMA, sarif_run

_SEV_SHORT = (("critical", "CRIT"), ("high", "HIGH"), ("medium", "MED"), ("low", "LOW"),
              ("info", "INFO"))
_PLACEHOLDER = re.compile(r'"report": "@@report-(\d+)@@"')
FLEET_FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")


def _clean(text: object, limit: int = 60) -> str:
    """One printable line (control characters as `\\xHH`, like every text report), bounded."""
    out = printable(text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _clean_path(text: object, limit: int = 80) -> str:
    """Paths keep their end (the host's own folder or file) when shortened."""
    out = printable(text)
    return out if len(out) <= limit else "…" + out[-(limit - 1):]


def render_fleet(fleet: dict[str, Any], fmt: str, detail: bool = False,
                 report_texts: list[str | None] | None = None) -> str:
    """`report_texts` (JSON only): each host's report already serialised with indent=2
    (see HostOutcome.report_json); the output is byte-identical to serialising here."""
    if fmt == "json":
        return render_fleet_json(fleet, report_texts)
    if fmt == "sarif":
        return render_fleet_sarif(fleet)
    if fmt == "junit":
        return render_fleet_junit(fleet)
    if fmt == "markdown":
        return render_fleet_markdown(fleet, detail)
    if fmt == "html":
        return render_fleet_html(fleet)
    if fmt == "text":
        return render_fleet_text(fleet, detail)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FLEET_FORMATS)}")


def render_fleet_json(fleet: dict[str, Any], report_texts: list[str | None] | None = None) -> str:
    """The fleet as JSON. Pre-serialised reports are spliced in at their place: a report
    sits three levels deep (document → hosts → host), so its lines are indented by six
    spaces. The placeholder is matched with its key and quotes, which no user string can
    produce (JSON escapes every quote inside a string)."""
    if not report_texts or len(report_texts) != len(fleet["hosts"]):
        return json.dumps(fleet, indent=2, ensure_ascii=False) + "\n"
    hosts = [dict(h, report=f"@@report-{i}@@") if report_texts[i] is not None else h
             for i, h in enumerate(fleet["hosts"])]
    text = json.dumps(dict(fleet, hosts=hosts), indent=2, ensure_ascii=False)
    pieces = _PLACEHOLDER.split(text)  # text, index, text, index, …, text
    out = pieces[:1]
    for index, rest in zip(pieces[1::2], pieces[2::2], strict=True):
        body = report_texts[int(index)] or "null"
        out += ['"report": ', body.replace("\n", "\n      "), rest]
    return "".join(out) + "\n"


def _worst_text(host: dict[str, Any]) -> str:
    if host["error"]:
        return f"error: {host['error']}"
    return ", ".join(f"{w['rule']} ({w['severity']})" for w in host["worst"]) or "-"


def _rows(fleet: dict[str, Any]) -> list[list[str]]:
    rows = []
    for h in fleet["hosts"]:
        counts = h["failing"] or {}
        rows.append([
            _clean(h["host"], 32) + (" !" if h["threshold_hit"] else ""),
            h["grade"] or "-", "-" if h["score"] is None else str(h["score"]),
            *(str(counts.get(sev, "-")) for sev, _ in _SEV_SHORT),
            _clean(_worst_text(h), 120), _clean_path(h["path"]),
        ])
    return rows


def _headline(fleet: dict[str, Any]) -> list[str]:
    s = fleet["summary"]
    grades = "  ".join(f"{g} {n}" for g, n in s["grades"].items() if g != "none" or n)
    lines = [f"ProxGuard {fleet['tool']['version']} — fleet of {s['hosts']} host(s), "
             f"profile {fleet['profile']}",
             f"Grades: {grades}   worst: {s['worst_grade'] or '-'}"]
    gates = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in s["thresholds"].items() if v)
    if gates:
        lines.append(f"Thresholds: {gates} — {s['threshold_hit']} host(s) hit (marked !)")
    if s["errors"]:
        lines.append(f"{s['errors']} host(s) could not be read (no grade; exit code 2)")
    return lines


def render_fleet_text(fleet: dict[str, Any], detail: bool = False) -> str:
    head = ["HOST", "GRADE", "SCORE", *(short for _, short in _SEV_SHORT),
            "WORST FINDINGS", "PATH"]
    rows = _rows(fleet)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {1, 2, 3, 4, 5, 6, 7}
    out = [*_headline(fleet), "", "Failing targets by severity per host:"]
    for r in [head, *rows]:
        out.append("  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                             for i, c in enumerate(r)).rstrip())
    if not detail:
        out += ["", "Each host's full report: --detail (or --format json)."]
        return "\n".join(out) + "\n"
    for h in fleet["hosts"]:
        out += ["", "=" * 78, f"Host {_clean(h['host'], 64)} — {_clean(h['path'], 200)}",
                "=" * 78]
        out.append(f"error: {h['error']}" if h["report"] is None
                   else render(h["report"], "text").rstrip())
    return "\n".join(out) + "\n"


def _md(text: object) -> str:
    """A table cell: printable, no raw HTML (a Markdown viewer renders it), no cell break."""
    return html.escape(_clean(text, 300), quote=False).replace("|", "\\|")


def render_fleet_markdown(fleet: dict[str, Any], detail: bool = False) -> str:
    out = [f"# ProxGuard fleet audit — {fleet['summary']['hosts']} host(s)", "",
           *[line + "  " for line in _headline(fleet)[1:]], "",
           "| Host | Grade | Score | " + " | ".join(s for _, s in _SEV_SHORT)
           + " | Worst findings | Path |",
           "|---|---|---:|" + "---:|" * len(_SEV_SHORT) + "---|---|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in _rows(fleet)]
    if detail:
        for h in fleet["hosts"]:
            out += ["", f"## Host {_md(h['host'])} (`{_md(h['path'])}`)", ""]
            out.append(f"Error: {_md(h['error'])}" if h["report"] is None
                       else render(h["report"], "markdown").rstrip())
    return "\n".join(out) + "\n"


def _categories(fleet: dict[str, Any]) -> list[str]:
    """One code-scanning category per host, unique even when two snapshots share a name."""
    seen: dict[str, int] = {}
    out = []
    for h in fleet["hosts"]:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", h["host"]) or "host"
        seen[name] = seen.get(name, 0) + 1
        suffix = f"-{seen[name]}" if seen[name] > 1 else ""
        out.append(f"proxguard/{fleet['profile']}/{name}{suffix}/")
    return out


def _uri_prefix(host: dict[str, Any]) -> str:
    """Evidence paths of a host directory given relative to the working directory (a
    repository of snapshots) resolve in the repository; tarball contents cannot."""
    path = str(host["path"])
    if host.get("kind") != "directory" or posixpath.isabs(path) or ".." in path.split("/"):
        return ""
    norm = posixpath.normpath(path)
    return "" if norm == "." else norm + "/"


def render_fleet_sarif(fleet: dict[str, Any]) -> str:
    runs = []
    for h, category in zip(fleet["hosts"], _categories(fleet), strict=True):
        if h["report"] is None:
            runs.append(_failed_run(fleet, h, category))
            continue
        run = sarif_run(h["report"], category, _uri_prefix(h))
        run["properties"].update(host=h["host"], path=h["path"])
        runs.append(run)
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _failed_run(fleet: dict[str, Any], host: dict[str, Any], category: str) -> dict[str, Any]:
    """A host that could not be read: a run without results whose invocation failed, so a
    code-scanning view shows the gap instead of a host with no alerts."""
    return {
        "tool": {"driver": {"name": "proxguard", "version": fleet["tool"]["version"],
                            "informationUri": "https://github.com/proxguard/proxguard"}},
        "automationDetails": {"id": category},
        "invocations": [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": _clean(f"{host['path']}: {host['error']}",
                                                          500)}}]}],
        "results": [],
        "properties": {"host": host["host"], "path": host["path"], "grade": None,
                       "score": None, "profile": fleet["profile"]},
    }


def render_fleet_junit(fleet: dict[str, Any]) -> str:
    suites = []
    for h in fleet["hosts"]:
        name = _clean(f"proxguard {fleet['profile']} {h['host']}", 120)
        if h["report"] is not None:
            suites.append(junit_suite(h["report"], name))
            continue
        msg = _clean(f"{h['path']}: {h['error']}", 500)
        suites.append(f'  <testsuite name={quoteattr(name)} tests="1" failures="0" errors="1">\n'
                      f'    <testcase classname="proxguard.input" name={quoteattr(_clean(h["path"], 300))}>'
                      f"<error message={quoteattr(msg)}>{escape(msg)}</error></testcase>\n"
                      "  </testsuite>")
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>", *suites,
                      "</testsuites>"]) + "\n"
