"""JUnit XML: one testcase per rule and target, so CI dashboards show each failing object."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from proxguard.render.escape import printable_tree


def render_junit(report: dict[str, Any]) -> str:
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>",
                      junit_suite(report), "</testsuites>"]) + "\n"


def junit_suite(report: dict[str, Any], suite_name: str | None = None) -> str:
    """One <testsuite> for one host's report (fleets name each suite after its host)."""
    report = printable_tree(report)  # control characters are not even valid XML 1.0
    cases: list[str] = []
    failures = skipped = 0
    for f in report["findings"]:
        targets = f["targets"] or [None]
        for t in targets:
            name = f["rule"] if t is None else f"{f['rule']} {t['id']}"
            body = ""
            status = f["status"] if t is None else t["status"]
            if status == "fail":
                failures += 1
                msg = t["evidence"] if t else f["title"]
                where = f" ({t['file']}:{t['line']})" if t and t.get("file") else ""
                body = f"<failure message={quoteattr(msg)} type={quoteattr(f['severity'])}>" \
                       f"{escape(msg + where)}</failure>"
            elif status in ("not_evaluated", "not_applicable", "accepted"):
                skipped += 1
                reason = status.replace("_", " ")
                if t and t.get("acceptance"):
                    reason = f"accepted: {t['acceptance']['reason']}"
                body = f"<skipped message={quoteattr(reason)}/>"
            cases.append(f'    <testcase classname={quoteattr("proxguard." + f["category"])} '
                         f"name={quoteattr(name)}>{body}</testcase>")
    suite = suite_name or f"proxguard {report['profile']}"
    head = (f'  <testsuite name={quoteattr(suite)} tests="{len(cases)}" '
            f'failures="{failures}" skipped="{skipped}">')
    return "\n".join([head, *cases, "  </testsuite>"])
