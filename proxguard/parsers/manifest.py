"""proxguard-manifest.json → Manifest (schema `proxguard-manifest/1`).

Written by scripts/proxguard-collect.sh at the snapshot root:
`{"schema": "proxguard-manifest/1", "collected_at": <epoch>, "hostname": "...",
"paths": {"<relative path>": "present"|"absent"|"unreadable"|"refused"},
"commands": {"<output file>": "ok"|"missing"|"failed"}}`.
The file may come from a compromised host, so it is validated entry by entry: anything
malformed is reported with its location and left out, never trusted; a file that is not
this JSON at all gives an error and no manifest (missing files then stay "not assessed").
"""

from __future__ import annotations

import json
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import MANIFEST, Snapshot, normalise_path
from proxguard.model.manifest import COMMAND_STATES, PATH_STATES, Manifest

SCHEMA = "proxguard-manifest/1"
MAX_ENTRIES = 100_000  # a manifest lists a few hundred paths; more is not a manifest


def load(snapshot: Snapshot, diags: Diagnostics) -> Manifest | None:
    files = snapshot.of_kind(MANIFEST)
    if not files:
        return None
    f = files[0]
    return parse(f.path, f.text, diags)


def parse(path: str, text: str, diags: Diagnostics) -> Manifest | None:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0)
        diags.error(path, line, f"collector manifest is not valid JSON ({_msg(exc)}); it is "
                    "ignored, so files missing from the snapshot are not assessed")
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        diags.error(path, 0, f"collector manifest schema {str(schema)[:40]!r} is not {SCHEMA!r}; "
                    "it is ignored")
        return None
    at = data.get("collected_at")
    if not (isinstance(at, int) and not isinstance(at, bool) and at >= 0):
        if at is not None:
            diags.warning(path, 0, "collected_at is not an epoch integer; ignored")
        at = None
    host = data.get("hostname")
    if not isinstance(host, str):
        host = ""
    host = "".join(c for c in host if c.isprintable())[:253]
    return Manifest(path, at, host, _table(path, data.get("paths"), "paths", PATH_STATES, diags),
                    _table(path, data.get("commands"), "commands", COMMAND_STATES, diags))


def _table(path: str, raw: Any, name: str, states: tuple[str, ...],
           diags: Diagnostics) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        diags.warning(path, 0, f"manifest '{name}' is not an object; ignored")
        return {}
    out: dict[str, str] = {}
    for i, (key, value) in enumerate(raw.items()):
        if i >= MAX_ENTRIES:
            diags.warning(path, 0, f"manifest '{name}' lists more than {MAX_ENTRIES} entries; "
                          "the rest are ignored")
            break
        norm = normalise_path(key) if isinstance(key, str) else ""
        if not norm or not norm.isprintable() or value not in states:
            diags.warning(path, 0, f"manifest '{name}' entry {str(key)[:80]!r}: "
                          f"{str(value)[:20]!r} is not one of {', '.join(states)}; ignored")
            continue
        out[norm] = value
    return out


def _msg(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
