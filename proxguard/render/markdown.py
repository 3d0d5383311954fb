"""Markdown for pasting a report into a ticket: grade table, then failures with proof."""

from __future__ import annotations

from typing import Any

_TITLES = {"ssh": "SSH", "firewall": "Firewall", "auth": "Authentication",
           "container": "Container", "storage": "Storage", "api": "API"}


def _cell(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    out = [f"# ProxGuard audit — grade {report['grade'] or 'n/a'} ({report['score']}/100)", ""]
    out.append(f"Profile `{report['profile']}`, rule coverage {round(report['coverage'] * 100)} %.")
    if report.get("summary", {}).get("accepted_targets"):
        out.append(f"Without acceptances: {report['grade_without_acceptances']} "
                   f"({report['score_without_acceptances']}/100); "
                   f"{report['summary']['accepted_targets']} accepted target(s).")
    out += ["", "| Category | Weight | Score | Grade |", "|---|---:|---:|---|"]
    for c in report["categories"]:
        score = c["score"] if c["assessed"] else "not assessed"
        out.append(f"| {_TITLES.get(c['id'], c['id'])} | {c['weight']} | {score} | "
                   f"{c['grade'] or '-'} |")
    out.append("")
    for status, heading in (("fail", "Failures"), ("accepted", "Accepted risks"),
                            ("not_evaluated", "Not assessed")):
        group = [f for f in report["findings"] if f["status"] == status]
        if not group:
            continue
        out += [f"## {heading}", ""]
        for f in group:
            out.append(f"### `{f['rule']}` — {f['title']} ({f['severity']})")
            if status == "not_evaluated":
                out.append(f"Missing input: {', '.join(f.get('missing_inputs', [])) or '-'}")
            for t in f["targets"]:
                if t["status"] not in ("fail", "accepted"):
                    continue
                where = f" — `{t['file']}:{t['line']}`" if t.get("file") else ""
                out.append(f"- **{_cell(t['id'])}**{where}: {_cell(t['evidence'])}")
                if t.get("acceptance"):
                    out.append(f"  - accepted: {_cell(t['acceptance']['reason'])}")
            refs = ", ".join(f"{r['source']} {r['id']}" for r in f["references"])
            if refs:
                out.append(f"\nReferences: {refs}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
