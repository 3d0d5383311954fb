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
from collections.abc import Callable
from typing import Any

from proxguard.text import escape_bytes, is_printable, printable

__all__ = ["escape_bytes", "is_printable", "markdown_tree", "printable", "printable_tree"]


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
