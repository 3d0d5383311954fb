"""JUnit XML: one testcase per rule and target, so CI dashboards show each failing object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from proxguard.render.escape import printable, printable_tree, shallow

_SKIPPED = ("not_evaluated", "not_applicable", "accepted")


def render_junit(report: dict[str, Any]) -> str:
    return "\n".join(_document(report)) + "\n"


def write_junit(report: dict[str, Any], out: TextIO) -> None:
    """The same XML as render_junit, written one testcase at a time."""
    for line in _document(report):
        out.write(line + "\n")


def _document(report: dict[str, Any]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield "<testsuites>"
    yield from suite_lines(report)
    yield "</testsuites>"


def junit_suite(report: dict[str, Any], suite_name: str | None = None) -> str:
    """One <testsuite> for one host's report (fleets name each suite after its host)."""
    return "\n".join(suite_lines(report, suite_name))


def suite_lines(report: dict[str, Any], suite_name: str | None = None) -> Iterator[str]:
    """The suite's lines: its counts first (one pass over the statuses), then each
    testcase, escaped as it is written; control characters are not even valid XML 1.0,
    so every value is made printable first."""
    tests = failures = skipped = 0
    for f in report["findings"]:
        for status in [t["status"] for t in f["targets"]] or [f["status"]]:
            tests += 1
            failures += status == "fail"
            skipped += status in _SKIPPED
    suite = suite_name or f"proxguard {printable(report['profile'])}"
    yield (f'  <testsuite name={quoteattr(suite)} tests="{tests}" '
           f'failures="{failures}" skipped="{skipped}">')
    for raw in report["findings"]:
        f = shallow(raw, printable_tree)
        for t in raw["targets"] or [None]:
            yield _case(f, None if t is None else printable_tree(t))
    yield "  </testsuite>"


def _case(f: dict[str, Any], t: dict[str, Any] | None) -> str:
    name = f["rule"] if t is None else f"{f['rule']} {t['id']}"
    body = ""
    status = f["status"] if t is None else t["status"]
    if status == "fail":
        msg = t["evidence"] if t else f["title"]
        where = f" ({t['file']}:{t['line']})" if t and t.get("file") else ""
        body = f"<failure message={quoteattr(msg)} type={quoteattr(f['severity'])}>" \
               f"{escape(msg + where)}</failure>"
    elif status in _SKIPPED:
        reason = status.replace("_", " ")
        if t and t.get("acceptance"):
            reason = f"accepted: {t['acceptance']['reason']}"
        body = f"<skipped message={quoteattr(reason)}/>"
    return (f'    <testcase classname={quoteattr("proxguard." + f["category"])} '
            f"name={quoteattr(name)}>{body}</testcase>")
