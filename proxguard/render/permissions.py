"""The effective-permission matrix (`proxguard-permissions/1`) as a text table and as the
page's Access tab.

Both work from the JSON entries plus the subject rows (who owns which token, privsep),
so the CLI, the page and a script reading the JSON never disagree. Subject ids and notes
come from a possibly hostile user.cfg: the text form escapes every non-printable
character, the HTML form goes through the autoescaping environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from proxguard.render.environment import html_environment
from proxguard.text import printable

TIERS = ("none", "read", "write", "admin")
TIER_TEXT = {"none": "none", "read": "read", "write": "write", "admin": "admin"}
_EVERY = 47  # len(ALL_PRIVILEGES); shown as "every privilege" rather than 47 names


def _deciders(entry: dict[str, Any]) -> str:
    return ", ".join(f"{d['file']}:{d['line']}" for d in entry["decided_by"]) or "-"


def render_permissions_text(data: dict[str, Any], subjects: Sequence[dict[str, Any]]) -> str:
    """One block per subject (tokens say their owner and privsep), one row per path."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for e in data["entries"]:
        by_subject.setdefault(e["subject"], []).append(e)
    out: list[str] = []
    for s in subjects:
        rows = by_subject.get(s["id"], [])
        out.append(printable(_heading(s)))
        width = max((len(r["path"]) for r in rows), default=4)
        for r in rows:
            roles = ",".join(r["roles"]) or "-"
            out.append(printable(f"  {r['path']:<{width}}  {r['tier']:<5}  {roles}  "
                                 f"[{_deciders(r)}]"))
            if r["privileges"]:
                privs = ("every privilege" if len(r["privileges"]) >= _EVERY
                         else " ".join(r["privileges"]))
                out.append(printable(f"  {'':<{width}}  privileges: {privs}"))
            out += [printable(f"  {'':<{width}}  note: {n}") for n in r["notes"]]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _heading(s: dict[str, Any]) -> str:
    if s["kind"] == "token":
        if not s["defined"]:
            return f"{s['id']}  (token not defined in user.cfg)"
        return f"{s['id']}  (token of {s['owner']}, privsep={int(bool(s['privsep']))})"
    state = "" if s["enabled"] else ", disabled" if s["defined"] else ", not in user.cfg"
    return f"{s['id']}  (user{state})"


def render_access_tab(data: dict[str, Any], subjects: Sequence[dict[str, Any]],
                      paths: Sequence[str], diagnostics: Sequence[dict[str, Any]]) -> str:
    """The Access tab: a subjects × paths matrix, tokens under their owner, each cell a
    button whose details (roles, privileges, deciding lines, notes) the page reveals."""
    cells = {(e["subject"], e["path"]): e for e in data["entries"]}
    rows = []
    for i, s in enumerate(subjects):
        rows.append({"subject": s, "n": i, "heading": _heading(s),
                     "cells": [dict(cells[s["id"], p], n=f"{i}-{j}")
                               for j, p in enumerate(paths)]})
    return html_environment().get_template("access.html.j2").render(
        rows=rows, paths=list(paths), tiers=TIERS, diagnostics=list(diagnostics))
