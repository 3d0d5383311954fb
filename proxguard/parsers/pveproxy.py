"""/etc/default/pveproxy → PveproxyConfig.

pveproxy evaluates this file with `bash -c ". /etc/default/pveproxy; echo …"`, so it
may hold any shell. ProxGuard never runs it: it reads the plain assignments bash would
perform the same way without running anything (`KEY=word`, `KEY="text"`, `KEY='text'`,
optionally after `export`), last one wins, and marks a known key set any other way
(command substitution, a variable, a function) as opaque, with its line: its effective
value is unknown, so what depends on it is not assessed. Line count is bounded.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.inputs.kinds import PVEPROXY_DEFAULT
from proxguard.model.manifest import Manifest
from proxguard.model.pveproxy import KEYS, PveproxyConfig

KIND = PVEPROXY_DEFAULT
PATH = "etc/default/pveproxy"
MAX_LINES = 10_000
_ASSIGN = re.compile(r"(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)")
_EXPORT_ONLY = re.compile(r"export(?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)+")
_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./-]*")  # a word bash leaves as it is
_DOUBLE = re.compile(r'"([^"\\$`]*)"')  # no expansion inside
_SINGLE = re.compile(r"'([^']*)'")


def load(snapshot: Snapshot, diags: Diagnostics, manifest: Manifest | None = None
         ) -> PveproxyConfig | None:
    files = snapshot.of_kind(KIND)
    if files:
        return parse(files[0].path, files[0].text, diags)
    if manifest is not None and manifest.state(PATH) == "absent":
        return PveproxyConfig(PATH, present=False)
    return None


def _value(raw: str) -> str | None:
    """The value bash assigns, when it needs no evaluation; None otherwise."""
    raw = re.sub(r"[ \t]+#.*$", "", raw).rstrip(" \t\r")
    for rx in (_DOUBLE, _SINGLE, _PLAIN):
        m = rx.fullmatch(raw)
        if m:
            return m.group(1) if rx is not _PLAIN else m.group(0)
    return None


def parse(path: str, text: str, diags: Diagnostics) -> PveproxyConfig:
    out = PveproxyConfig(path)
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        diags.error(path, MAX_LINES, f"more than {MAX_LINES} lines; the rest is ignored")
    for n, raw in enumerate(lines[:MAX_LINES], start=1):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        if _EXPORT_ONLY.fullmatch(line):
            continue  # marks names for export; their values stay as they are
        m = _ASSIGN.fullmatch(line)
        key = m.group(1) if m else None
        value = _value(m.group(2)) if m else None
        if m and value is not None:
            if key in KEYS:
                out.values[key] = (value, n)
                out.opaque.pop(key, None)
            continue
        named = [k for k in KEYS if k in line]
        for k in named:
            out.opaque[k] = n
            out.values.pop(k, None)
        diags.warning(path, n, "not a plain assignment: pveproxy runs this line with bash, "
                      "ProxGuard does not" + (f"; the value of {', '.join(named)} is unknown"
                                              if named else ""))
    return out
