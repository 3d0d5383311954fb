"""Renderers: the canonical report dict → text, JSON, SARIF, JUnit, Markdown, HTML.

Every renderer takes the report dict (the `proxguard-report/1` contract), never engine
objects, so a saved JSON report renders exactly like a fresh one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TextIO

FORMATS: dict[str, tuple[str, str]] = {
    # format → (module, function)
    "text": ("proxguard.render.text", "render_text"),
    "json": ("proxguard.render.jsonfmt", "render_json"),
    "sarif": ("proxguard.render.sarif", "render_sarif"),
    "junit": ("proxguard.render.junit", "render_junit"),
    "markdown": ("proxguard.render.markdown", "render_markdown"),
    "html": ("proxguard.render.html", "render_report"),
}
# The formats that print a finding's remediation script: the others are given the report
# without its scripts rendered (engine/audit.py Report.to_json(scripts=False)).
SHOWS_SCRIPTS = frozenset({"json", "html"})
# format → (module, function writing the same text to a stream, piece by piece)
WRITERS: dict[str, tuple[str, str]] = {
    "text": ("proxguard.render.text", "write_text"),
    "json": ("proxguard.render.jsonfmt", "write_json"),
    "junit": ("proxguard.render.junit", "write_junit"),
    "markdown": ("proxguard.render.markdown", "write_markdown"),
    "html": ("proxguard.render.html", "write_report"),
}


def renderer(fmt: str) -> Callable[[dict[str, Any]], str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module, func = FORMATS[fmt]
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def render(report: dict[str, Any], fmt: str) -> str:
    return renderer(fmt)(report)


def write(report: dict[str, Any], fmt: str, out: TextIO) -> None:
    """Write the report in `fmt` to `out`: the same text as `render`, in pieces where the
    renderer can make it piece by piece, so a large report is never held whole."""
    if fmt not in WRITERS:
        out.write(render(report, fmt))
        return
    module, func = WRITERS[fmt]
    getattr(importlib.import_module(module), func)(report, out)
