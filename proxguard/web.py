"""The browser's door into the engine: JSON text in, JSON text out, never an exception.

The page's worker calls `handle(type, payload_json)` for every request. Only strings cross
the JavaScript/Python boundary (no proxies to leak or convert), and every failure comes
back as `{"error": "..."}` with a sentence the page can show, because an exception inside
Pyodide would surface as an opaque stack trace in a worker the user cannot see.

Everything here goes through the public API (Snapshot, audit, render); the façade only
adapts browser-shaped inputs (pasted boxes, dropped folders, base64 tarballs) to it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import posixpath
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import proxguard
from proxguard.acceptances import AcceptanceError, parse_acceptances
from proxguard.api import Report
from proxguard.inputs import (
    KIND_LABELS,
    KINDS,
    UNKNOWN,
    InputError,
    Snapshot,
    detect_kind,
    kind_from_path,
    normalise_path,
)
from proxguard.profiles import PROFILES
from proxguard.web_firewall import FIREWALL_HANDLERS
from proxguard.web_fix import FIX_HANDLERS
from proxguard.web_fleet import FLEET_HANDLERS

Payload = Mapping[str, Any]

_PACKAGE = Path(__file__).resolve().parent
# Where the demo snapshots come from: the wheel carries proxguard/demos.json (written by
# build.py); a source checkout has examples/<id>/ next to the package.
_DEMOS_JSON = _PACKAGE / "demos.json"
_EXAMPLES = _PACKAGE.parent / "examples"
DEMO_TITLES: dict[str, str] = {
    "agent-lab": "Agent lab", "fresh-install": "Fresh install", "hardened": "Hardened host",
}


class PayloadError(ValueError):
    """The page sent something the façade cannot use; the message is shown to the user."""


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
    from proxguard.render.html import render_fragment

    return {"report": data, "html": render_fragment(data), "inputs": inputs,
            "diagnostics": data["diagnostics"]}


def snapshot_from(payload: Payload) -> tuple[Snapshot, list[dict[str, Any]]]:
    """The page's inputs (files, claimed kinds, tarballs) as a snapshot, plus what became
    of each input. Every façade handler reads inputs through here, so the audit, the
    Firewall tab and the fix panel always see the same files."""
    snap = Snapshot()
    inputs = _add_files(snap, _str_map(payload, "files"), _str_map(payload, "kinds"))
    inputs += _add_tarballs(snap, payload.get("tarballs") or [])
    if sum(1 for i in inputs if i["kind"] == "tarball" and i.get("files")) > 1:
        # Two hosts' archives in one snapshot would be judged as one host (web_fleet.py
        # audits them side by side instead).
        raise PayloadError("several archives are several hosts: the page audits them as a "
                           "fleet; this view works on one host at a time")
    return snap, inputs


def run_audit(payload: Payload) -> tuple[Report, list[dict[str, Any]]]:
    """The page's audit as engine objects (the fix planner needs findings, not JSON)."""
    profile = payload.get("profile") or "extended"
    if profile not in PROFILES:
        raise PayloadError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    now = payload.get("now")
    if now is not None and (not isinstance(now, int) or isinstance(now, bool)):
        raise PayloadError("`now` must be epoch seconds (an integer)")
    snap, inputs = snapshot_from(payload)
    acceptances = _acceptances(payload.get("acceptances"), snap)
    return proxguard.audit(snap, profile=profile, now=now, acceptances=acceptances), inputs


def _str_map(payload: Payload, key: str) -> dict[str, str]:
    value = payload.get(key) or {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PayloadError(f"`{key}` must be an object of name → text")
    return value


def host_path(name: str) -> str:
    """A dropped folder arrives as `mybackup/etc/pve/user.cfg`: cut the folder part so the
    file lands at its host path, where Include globs and path-based kinds find it."""
    norm = normalise_path(name)
    parts = norm.split("/")
    for i, part in enumerate(parts):
        if part in ("etc", "commands"):
            rest = "/".join(parts[i:])
            if kind_from_path(rest) is not None or rest.startswith("etc/ssh/"):
                return rest
    return norm


def _add_files(snap: Snapshot, files: dict[str, str],
               kinds: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for name, text in files.items():
        claimed = kinds.get(name) or None
        if claimed in ("auto", UNKNOWN):
            claimed = None
        if claimed is not None and claimed not in KINDS:
            raise PayloadError(f"{name}: unknown file kind {claimed!r}")
        path = host_path(name)
        if claimed is None and kind_from_path(path) is None:
            # a loose file or the "detect" box: give it the host path of what it looks like
            detected = detect_kind(text)
            claimed = detected if detected != UNKNOWN else None
        out.append(_add_one(snap, name, path, text, claimed))
    return out


def _add_one(snap: Snapshot, name: str, path: str, text: str,
             kind: str | None) -> dict[str, Any]:
    """Add one input and keep the messages its adding produced (kind mismatch, refused
    secret, duplicate), so the page can show them beside the box the text came from."""
    before = len(snap.diagnostics)
    added = snap.add(path, text, kind)
    messages = [d.message for d in snap.diagnostics[before:]]
    entry: dict[str, Any] = {"name": name, "path": added.path if added else None,
                             "kind": added.kind if added else None,
                             "label": KIND_LABELS.get(added.kind, added.kind) if added else None,
                             "messages": messages}
    return entry


def _add_tarballs(snap: Snapshot, tarballs: object) -> list[dict[str, Any]]:
    if not isinstance(tarballs, list):
        raise PayloadError("`tarballs` must be a list of base64 strings")
    out = []
    for i, item in enumerate(tarballs, start=1):
        label, data = _tarball_item(item, i)
        before = set(snap.files)
        start = len(snap.diagnostics)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            snap.diagnostics.error(label, 0, "not base64 data; the archive was not read")
        else:
            try:
                snap.add_tarball(raw, label)
            except InputError as exc:
                snap.diagnostics.error(label, 0, str(exc))
        added = sorted(set(snap.files) - before)
        out.append({"name": label, "path": None, "kind": "tarball",
                    "label": f"archive with {len(added)} file(s)", "files": added,
                    "messages": [d.message for d in snap.diagnostics[start:]]})
    return out


def _tarball_item(item: object, i: int) -> tuple[str, str]:
    if isinstance(item, str):
        return f"archive {i}", item
    if isinstance(item, dict) and isinstance(item.get("data"), str):
        return str(item.get("name") or f"archive {i}"), item["data"]
    raise PayloadError("each tarball must be a base64 string or {name, data}")


def _acceptances(text: object, snap: Snapshot) -> list[Any]:
    if not text:
        return []
    if not isinstance(text, str):
        raise PayloadError("`acceptances` must be the text of an acceptances TOML file")
    try:
        return parse_acceptances(text, "acceptances.toml", snap.diagnostics)
    except AcceptanceError as exc:
        raise PayloadError(str(exc)) from exc


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
             "files": dict(d["files"])} for d in data.get("demos", [])]


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
        out.append({"id": demo.name, "title": DEMO_TITLES.get(demo.name, demo.name),
                    "files": files})
    return out


RENDER_FORMATS: dict[str, str] = {"json": "json", "sarif": "sarif", "html": "html",
                                  "markdown": "markdown", "text": "text"}


def render(payload: Payload) -> dict[str, Any]:
    """A report the page already holds, as a downloadable document."""
    report = payload.get("report")
    fmt = payload.get("format")
    if not isinstance(report, dict) or report.get("schema") != "proxguard-report/1":
        raise PayloadError("`report` must be a proxguard-report/1 object")
    if fmt not in RENDER_FORMATS:
        raise PayloadError(f"unknown format {fmt!r}; choose one of {', '.join(RENDER_FORMATS)}")
    from proxguard.render import render as render_any

    return {"text": render_any(report, RENDER_FORMATS[fmt])}


def version(payload: Payload) -> dict[str, Any]:
    return {"name": "proxguard", "version": proxguard.__version__,
            "profiles": list(PROFILES), "kinds": {k: KIND_LABELS[k] for k in KINDS}}


_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {
    "audit": audit, "demos": demos, "render": render, "version": version,
    **FIX_HANDLERS,  # proxguard/web_fix.py: fix script, acceptances, history, compare
    **FIREWALL_HANDLERS,  # proxguard/web_firewall.py: the Firewall tab
    **FLEET_HANDLERS,  # proxguard/web_fleet.py: several archives, one report each
}
