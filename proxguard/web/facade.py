"""The browser's door into the engine: JSON text in, JSON text out, never an exception.

The page's worker calls `handle(type, payload_json)` for every request. Only strings cross
the JavaScript/Python boundary (no proxies to leak or convert), and every failure comes
back as `{"error": "..."}` with a sentence the page can show, because an exception inside
Pyodide would surface as an opaque stack trace in a worker the user cannot see.

Everything here goes through the public API (Snapshot, audit, render); the façade only
adapts browser-shaped inputs (pasted boxes, dropped folders, base64 tarballs) to it.
"""

from __future__ import annotations

import importlib
import json
import os
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proxguard.engine.profiles import PROFILES
from proxguard.inputs import KIND_LABELS, KINDS
from proxguard.render import render as render_any
from proxguard.render.html import render_fragment
from proxguard.rule import CATEGORY_TABLE
from proxguard.version import __version__
from proxguard.web.protocol import Payload, PayloadError, run_audit

_PACKAGE = Path(__file__).resolve().parent.parent
# Where the demo snapshots come from: the wheel carries proxguard/demos.json (written by
# build.py); a source checkout has examples/<id>/ next to the package.
_DEMOS_JSON = _PACKAGE / "demos.json"
_EXAMPLES = _PACKAGE.parent / "examples"
# A demo's documented exceptions: examples/<id>/acceptances.toml is not a host file (the
# snapshot reader never opens it); the page loads it into its acceptances.
DEMO_ACCEPTANCES = "acceptances.toml"
# The demo's story for people (examples/<id>/README.md): not a host file, never audited.
DEMO_README = "README.md"
DEMO_TITLES: dict[str, str] = {
    "agent-lab": "Agent lab", "fresh-install": "Fresh install", "hardened": "Hardened host",
}


def handle(type: str, payload_json: str) -> str:
    """Answer one request from the page. Always returns a JSON object as text."""
    try:
        payload = json.loads(payload_json) if payload_json else {}
    except (TypeError, ValueError) as exc:
        return _dump({"error": f"the request payload is not valid JSON ({exc})"})
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        return _dump({"error": "the request payload must be a JSON object"})
    handler = _HANDLERS.get(type)
    if handler is None:
        return _dump({"error": f"unknown request type {type!r}; "
                               f"expected one of {', '.join(sorted(_HANDLERS))}"})
    try:
        return _dump(handler(payload))
    except PayloadError as exc:
        return _dump({"error": str(exc)})
    except Exception as exc:  # an engine bug must reach the page as a message
        return _dump({"error": f"internal error while handling {type!r}: "
                               f"{type_name(exc)}: {exc}"})


def type_name(exc: BaseException) -> str:
    return type(exc).__name__


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


# -- audit --------------------------------------------------------------------------------

def audit(payload: Payload) -> dict[str, Any]:
    """Build a snapshot from pasted/dropped texts and tarballs, audit it, and return the
    report, its HTML fragment, what became of each input, and the diagnostics."""
    report, inputs = run_audit(payload)
    data = report.to_json()
    return {"report": data, "html": render_fragment(data), "inputs": inputs,
            "diagnostics": data["diagnostics"]}


# -- demos, render, version ---------------------------------------------------------------

def demos(payload: Payload) -> dict[str, Any]:
    """The demo snapshots shown in the picker, agent lab first."""
    found = _demos_from_json(_DEMOS_JSON) if _DEMOS_JSON.is_file() else _demos_from_dir(_EXAMPLES)
    order = list(DEMO_TITLES)
    found.sort(key=lambda d: (order.index(d["id"]) if d["id"] in order else len(order), d["id"]))
    return {"demos": found}


def _demos_from_json(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [{"id": d["id"], "title": DEMO_TITLES.get(d["id"], d.get("title", d["id"])),
             "files": dict(d["files"]), "acceptances": str(d.get("acceptances", ""))}
            for d in data.get("demos", [])]


def _demos_from_dir(root: Path) -> list[dict[str, Any]]:
    if not root.is_dir():
        return []
    out = []
    for demo in sorted(p for p in root.iterdir() if p.is_dir()):
        files = {}
        for dirpath, dirnames, filenames in os.walk(demo):
            dirnames.sort()
            for fn in sorted(filenames):
                full = Path(dirpath, fn)
                rel = full.relative_to(demo).as_posix()
                if not posixpath.basename(rel).startswith("."):
                    files[rel] = full.read_text(encoding="utf-8", errors="replace")
        acceptances = files.pop(DEMO_ACCEPTANCES, "")
        files.pop(DEMO_README, None)
        out.append({"id": demo.name, "title": DEMO_TITLES.get(demo.name, demo.name),
                    "files": files, "acceptances": acceptances})
    return out


# The downloads the page offers (JUnit is for CI, not for people).
RENDER_FORMATS: tuple[str, ...] = ("json", "sarif", "html", "markdown", "text")


def render(payload: Payload) -> dict[str, Any]:
    """A report the page already holds, as a downloadable document."""
    report = payload.get("report")
    fmt = payload.get("format")
    if not isinstance(report, dict) or report.get("schema") != "proxguard-report/1":
        raise PayloadError("`report` must be a proxguard-report/1 object")
    if fmt not in RENDER_FORMATS:
        raise PayloadError(f"unknown format {fmt!r}; choose one of {', '.join(RENDER_FORMATS)}")
    return {"text": render_any(report, fmt)}


def version(payload: Payload) -> dict[str, Any]:
    return {"name": "proxguard", "version": __version__,
            "profiles": list(PROFILES), "kinds": {k: KIND_LABELS[k] for k in KINDS},
            "categories": [{"id": c.id, "title": c.title, "weight": c.weight}
                           for c in CATEGORY_TABLE]}


Handler = Callable[[Payload], dict[str, Any]]

# The handlers of the other tabs and of the fix loop, by the module and table that hold
# them. Imported on first use, not with the façade (issue 14): the page's first audit
# needs none of them, and the single file, which boots Python the normal way, would
# otherwise import the Firewall tab's analysis views, the Access tab, the fix plan, the
# fleet table and the history trend before it can show a grade. (The hosted site's
# start-up snapshot imports them all before it is taken.) tests/test_web_facade.py checks
# this table against each module's own table.
LAZY_HANDLERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "proxguard.web.fix": ("FIX_HANDLERS", (  # fix script, acceptances, history, compare
        "fix_script", "acceptances_import", "acceptances_export", "history_entry", "compare")),
    "proxguard.web.firewall": ("FIREWALL_HANDLERS", (  # the Firewall tab
        "firewall", "firewall_trace", "firewall_reorder", "firewall_more")),
    "proxguard.web.fleet": ("FLEET_HANDLERS", ("fleet",)),  # several archives, one report each
    "proxguard.web.history": ("HISTORY_HANDLERS", ("history_trend",)),  # titles, grade trend
    "proxguard.web.access": ("ACCESS_HANDLERS", ("access",)),  # the Access tab
}


def _lazy(module: str, table: str, name: str) -> Handler:
    def handler(payload: Payload) -> dict[str, Any]:
        handlers: dict[str, Handler] = getattr(importlib.import_module(module), table)
        return handlers[name](payload)

    handler.__name__ = handler.__qualname__ = name
    return handler


_HANDLERS: dict[str, Handler] = {
    "audit": audit, "demos": demos, "render": render, "version": version,
    **{name: _lazy(module, table, name)
       for module, (table, names) in LAZY_HANDLERS.items() for name in names},
}
