"""The "who can log in how" table (report field `ssh_logins`) for every renderer.

One cell wording for text, Markdown and HTML: the methods that complete a login, or
"denied" with the reason and the deciding file:line. Cells may carry text from a config
file (user and group names), so the HTML goes through the autoescaped templates and the
text forms drop control characters.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: object) -> str:
    return _CONTROL.sub("?", str(value))


def cell_text(cell: dict[str, Any]) -> str:
    if not cell.get("allowed"):
        where = f", {cell['where']}" if cell.get("where") else ""
        return clean(f"denied ({cell.get('reason', '')}{where})")
    text = ", ".join(cell.get("methods") or [])
    if cell.get("assumption"):
        text += " (assumed: group membership unknown)"
    return clean(text)


def view(table: object) -> dict[str, Any] | None:
    """Columns and rows ready to lay out; None when there is no table."""
    if not isinstance(table, dict) or not table.get("rows"):
        return None
    columns = [{"label": clean(c.get("label", "")),
                "where": clean(f"{c['file']}:{c['line']}") if c.get("file") else ""}
               for c in table.get("columns") or []]
    rows = []
    for r in table["rows"]:
        cells = [{"text": cell_text(c), "allowed": bool(c.get("allowed")),
                  "password": bool(c.get("password"))} for c in r.get("cells") or []]
        rows.append({"label": clean(r.get("label", "")), "cells": cells,
                     "note": _note(r)})
    cut = table.get("truncated") or {}
    more = [f"{n} more {what}" for what, n in (("accounts", cut.get("rows", 0)),
                                               ("sources", cut.get("columns", 0))) if n]
    return {"columns": columns, "rows": rows, "complete": table.get("complete", True),
            "group_file": table.get("group_file"),
            "truncated": ", ".join(more) + " not shown (the rules judge them all)" if more else ""}


def _note(row: dict[str, Any]) -> str:
    if row.get("groups_known", True):
        return ""
    what = "groups besides root" if row.get("kind") == "root" else "group membership"
    return f"{what} unknown (/etc/group not supplied)"


def text_lines(table: object) -> list[str]:
    v = view(table)
    if v is None:
        return []
    out = ["SSH logins — who can log in how (per source):"]
    for r in v["rows"]:
        note = f"  [{r['note']}]" if r["note"] else ""
        out.append(f"  {r['label']}{note}")
        for col, c in zip(v["columns"], r["cells"], strict=False):
            out.append(f"    {col['label']}: {c['text']}")
    if not v["complete"]:
        out.append("  (configuration incomplete: an Include was not supplied)")
    if v["truncated"]:
        out.append(f"  ({v['truncated']})")
    return [*out, ""]


def markdown_lines(table: object) -> list[str]:
    v = view(table)
    if v is None:
        return []

    def md(s: str) -> str:
        return s.replace("|", "\\|")

    head = "| Account | " + " | ".join(md(c["label"]) for c in v["columns"]) + " |"
    out = ["## SSH logins — who can log in how", "", head,
           "|---|" + "---|" * len(v["columns"])]
    for r in v["rows"]:
        out.append(f"| {md(r['label'])} | " + " | ".join(md(c["text"]) for c in r["cells"])
                   + " |")
    if v["truncated"]:
        out += ["", f"({v['truncated']})"]
    return [*out, ""]
