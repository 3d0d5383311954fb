"""Text from configs made harmless for the outputs people read in a terminal or a ticket.

A config may carry terminal escape sequences (ESC ] 0; sets a window title, ESC [ 2J
clears the screen, C1 CSI …) or raw HTML. Text reports, JUnit XML and Markdown go
through `printable_tree` first: every string of the report becomes one printable line,
each other character written as `\\xHH` (its UTF-8 bytes). Markdown also escapes HTML,
since a Markdown viewer renders raw HTML from the text. JSON and SARIF need neither: JSON
escapes control characters itself. The HTML report is autoescaped by Jinja2.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from proxguard.text import escape_bytes, is_printable, printable

__all__ = ["escape_bytes", "is_printable", "markdown_tree", "printable", "printable_tree",
           "shallow", "write_lines"]


def _map_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: _map_strings(v, fn) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_map_strings(v, fn) for v in obj]
    return obj


def printable_tree(report: Any) -> Any:
    """A copy of a report (or any JSON-like value) with every string made `printable`."""
    return _map_strings(report, printable)


def markdown_tree(report: Any) -> Any:
    """A copy with every string printable and HTML-escaped (`<img …>` → `&lt;img …&gt;`)."""
    return _map_strings(report, lambda s: html.escape(printable(s), quote=False))


def shallow(finding: dict[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    """A finding with `fn` (printable_tree, markdown_tree) applied to what a line-based
    report shows of it: every value but its targets, which are kept as they are and
    escaped one by one when shown (a 100,000-rule cluster.fw has 300,000 targets and the
    text report shows a few), and its remediation script, left out (these reports show
    the fix's summary only; the script of 36,000 failing tokens is ~50 MB, which
    `printable` would rebuild character by character)."""
    out = {k: fn(v) for k, v in finding.items() if k not in ("targets", "remediation")}
    out["targets"] = finding.get("targets") or []
    remediation = finding.get("remediation") or {}
    out["remediation"] = {"summary": fn(remediation.get("summary", ""))}
    return out


def write_lines(lines: Iterable[str], out: TextIO) -> None:
    """Write `"\n".join(lines).rstrip() + "\n"` to `out` without holding the lines:
    whitespace-only lines are held back until a line with content follows them."""
    held: str | None = None
    blanks: list[str] = []
    for line in lines:
        if not line.strip():
            blanks.append(line)
            continue
        if held is not None:
            out.write(held + "\n")
        for blank in blanks:
            out.write(blank + "\n")
        held, blanks = line, []
    out.write((held.rstrip() if held is not None else "") + "\n")
