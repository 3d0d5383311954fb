"""Markdown for pasting a report into a ticket: grade table, then failures with proof."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from proxguard.render.escape import markdown_tree, shallow, write_lines
from proxguard.render.logins import markdown_lines
from proxguard.rule import category_title


def _cell(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    return "\n".join(_lines(report)).rstrip() + "\n"


def write_markdown(report: dict[str, Any], out: TextIO) -> None:
    """The same Markdown as render_markdown, written line by line."""
    write_lines(_lines(report), out)


def _lines(raw: dict[str, Any]) -> Iterator[str]:
    """No raw HTML or terminal escapes from configs: every value is made printable and
    HTML-escaped as it is shown (a finding's targets one by one, only those listed),
    instead of copying the whole report first."""
    report = markdown_tree({k: v for k, v in raw.items()
                            if k not in ("findings", "firewall", "ssh_logins")})
    out = [f"# ProxGuard audit — grade {report['grade'] or 'n/a'} ({report['score']}/100)", ""]
    if report.get("comparison"):
        out += _comparison(report["comparison"])
    out.append(f"Profile `{report['profile']}`, rule coverage {round(report['coverage'] * 100)} %.")
    live = report.get("live")
    if live:  # `proxguard audit /`: the running host (its fields are plain, inputs.live)
        out.append(f"Live host **{_cell(live.get('hostname'))}**, "
                   f"{_cell(live.get('pveversion') or 'no pveversion')}, audit time "
                   f"{live.get('time')} (epoch s){'' if live.get('root') else ', not root'}.")
    note = (report.get("evidence") or {}).get("note")
    if note:
        out += ["", f"> **Little evidence.** {_cell(note)}"]
    if report.get("summary", {}).get("accepted_targets"):
        out.append(f"Without acceptances: {report['grade_without_acceptances']} "
                   f"({report['score_without_acceptances']}/100); "
                   f"{report['summary']['accepted_targets']} accepted target(s).")
    out += ["", "| Category | Weight | Score | Grade |", "|---|---:|---:|---|"]
    for c in report["categories"]:
        score = c["score"] if c["assessed"] else "not assessed"
        out.append(f"| {category_title(c['id'])} | {c['weight']} | {score} | "
                   f"{c['grade'] or '-'} |")
    out.append("")
    yield from out
    for status, heading in (("fail", "Failures"), ("accepted", "Accepted risks"),
                            ("not_evaluated", "Not assessed")):
        group = [f for f in raw["findings"] if f["status"] == status]
        if not group:
            continue
        yield from (f"## {heading}", "")
        for f in group:
            yield from _finding(shallow(f, markdown_tree), status)
    yield from markdown_lines(markdown_tree(raw.get("ssh_logins")))


def _finding(f: dict[str, Any], status: str) -> Iterator[str]:
    """One finding: its failing, accepted and not-assessed targets with their proof."""
    yield f"### `{f['rule']}` — {f['title']} ({f['severity']})"
    if status == "not_evaluated" and (f.get("missing_inputs") or not f["targets"]):
        yield f"Missing input: {', '.join(f.get('missing_inputs', [])) or '-'}"
    for raw_t in f["targets"]:
        if raw_t["status"] not in ("fail", "accepted", "not_evaluated"):
            continue
        t = markdown_tree(raw_t)
        where = f" — `{t['file']}:{t['line']}`" if t.get("file") else ""
        yield f"- **{_cell(t['id'])}**{where}: {_cell(t['evidence'])}"
        if t.get("acceptance"):
            yield f"  - accepted: {_cell(t['acceptance']['reason'])}"
    refs = ", ".join(f"{r['source']} {r['id']}"
                     + (" (partial)" if r.get("coverage") == "partial" else "")
                     for r in f["references"])
    if refs:
        yield f"\nReferences: {refs}"
    yield ""


def _signed(n: int | None) -> str:
    return "n/a" if n is None else (f"+{n}" if n > 0 else str(n))


def _pairs(items: list[dict[str, str]]) -> list[str]:
    return [f"- `{_cell(i['rule'])}` {_cell(i['target'])}" for i in items] or ["- none"]


def render_comparison(cmp: dict[str, Any]) -> list[str]:
    """Before/after of `audit --compare`: what the operator's fix moved, first, so the
    ticket answers "did it work?" before it lists what is still wrong."""
    return _comparison(markdown_tree(cmp))


def _comparison(cmp: dict[str, Any]) -> list[str]:
    grade, score = cmp["grade"], cmp["score"]
    out = ["## Compared with the previous report", "",
           f"Grade {grade['before'] or 'n/a'} → {grade['after'] or 'n/a'}; score "
           f"{score['before']} → {score['after']} ({_signed(score['delta'])})."]
    prof = cmp.get("profile", {})
    if prof.get("before") != prof.get("after"):
        out.append(f"Note: the profiles differ ({prof.get('before')} → {prof.get('after')}), "
                   "so the scores are not directly comparable.")
    out += ["", "| Category | Before | After | Change |", "|---|---:|---:|---:|"]
    for c in cmp["categories"]:
        before = "-" if c["before"] is None else c["before"]
        after = "-" if c["after"] is None else c["after"]
        out.append(f"| {category_title(c['id'])} | {before} | {after} | "
                   f"{_signed(c['delta'])} |")
    for key, title in (("fixed", "Fixed"), ("new", "New failures"),
                       ("unchanged", "Still failing")):
        out += ["", f"### {title} ({len(cmp[key])})", "", *_pairs(cmp[key])]
    inputs = cmp.get("inputs", {})
    changed = [(k, p) for k in ("changed", "added", "removed") for p in inputs.get(k, [])]
    out += ["", "### Changed inputs", ""]
    out += [f"- {kind}: `{_cell(path)}`" for kind, path in changed] or ["- none"]
    return [*out, ""]
