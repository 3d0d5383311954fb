"""APT sources (`sources.list`, `sources.list.d/*.list`, `*.sources`) → AptSources.

The one-line format (sources.list(5) "ONE-LINE-STYLE FORMAT"): `#` comments, then
`deb|deb-src [option=value …] URI SUITE [COMPONENT …]`. The deb822 format ("DEB822-STYLE
FORMAT"): stanzas separated by blank lines, `Field: value` with continuation lines that
start with a space, `#` comment lines; `Types`, `URIs` and `Suites` are required,
`Components` is required unless the suite is an exact path (ends in `/`), `Enabled: no`
disables the stanza. Which format a file has is decided by its name as apt decides it
(`.sources` is deb822, everything else one-line). A line or stanza apt would reject is
a warning with its file and line and is skipped; lines and stanzas are bounded.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import APT_SOURCES, Snapshot
from proxguard.model.apt import AptEntry, AptSources

MAX_LINES = 20_000
MAX_EXPANSION = 256  # URIs × Suites × Types of one deb822 stanza
_TYPES = ("deb", "deb-src")
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9-]*+)[^\S\n]*+:(.*)")


def load(snapshot: Snapshot, diags: Diagnostics) -> AptSources | None:
    files = snapshot.of_kind(APT_SOURCES)
    if not files:
        return None
    out = AptSources()
    for f in sorted(files, key=lambda f: f.path):
        out.files.append(f.path)
        out.entries.extend(parse(f.path, f.text, diags))
    return out


def parse(path: str, text: str, diags: Diagnostics) -> list[AptEntry]:
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        diags.error(path, MAX_LINES, f"more than {MAX_LINES} lines; the rest is ignored")
        lines = lines[:MAX_LINES]
    if path.endswith(".sources"):
        return _deb822(path, lines, diags)
    return [e for n, raw in enumerate(lines, start=1)
            if (e := _one_line(path, n, raw, diags)) is not None]


def _one_line(path: str, n: int, raw: str, diags: Diagnostics) -> AptEntry | None:
    body = raw.split("#", 1)[0].strip()
    if not body:
        return None
    words = body.split()
    kind, rest = words[0], words[1:]
    if kind not in _TYPES:
        diags.warning(path, n, f"not a sources.list line (`deb` or `deb-src` first, found "
                      f"{kind[:40]!r}); ignored")
        return None
    if rest and rest[0].startswith("["):
        rest = _skip_options(rest)
        if rest is None:
            diags.warning(path, n, "`[` options are never closed with `]`; line ignored")
            return None
    if len(rest) < 2:
        diags.warning(path, n, "a sources.list line needs a URI and a suite; ignored")
        return None
    uri, suite, comps = rest[0], rest[1], tuple(rest[2:])
    if not suite.endswith("/") and not comps:
        diags.warning(path, n, f"suite {suite[:60]!r} names no component; line ignored")
        return None
    return AptEntry(path, n, kind, uri, suite, comps, True, raw.strip())


def _skip_options(words: list[str]) -> list[str] | None:
    """The words after the `[ … ]` options block (which may hold spaces)."""
    for i, w in enumerate(words):
        if w.endswith("]"):
            return words[i + 1:]
    return None


def _deb822(path: str, lines: list[str], diags: Diagnostics) -> list[AptEntry]:
    out: list[AptEntry] = []
    fields: dict[str, str] = {}
    start, last = 0, ""
    for n, raw in enumerate([*lines, ""], start=1):
        line = raw.rstrip("\r")
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                out.extend(_stanza(path, start, fields, lines[start - 1].strip(), diags))
            fields, last = {}, ""
            continue
        if line[0] in " \t":
            if not last:
                diags.warning(path, n, "a continuation line outside any field; ignored")
            elif line.strip() != ".":
                fields[last] += " " + line.strip()
            continue
        m = _FIELD.fullmatch(line)
        if m is None:
            diags.warning(path, n, "not a deb822 line (`Field: value`); ignored")
            continue
        if not fields:
            start = n
        last = m.group(1).lower()
        fields[last] = m.group(2).strip()
    return out


def _stanza(path: str, line: int, fields: dict[str, str], first: str,
            diags: Diagnostics) -> list[AptEntry]:
    types = fields.get("types", "").split()
    uris, suites = fields.get("uris", "").split(), fields.get("suites", "").split()
    comps = tuple(fields.get("components", "").split())
    missing = [name for name, v in (("Types", types), ("URIs", uris), ("Suites", suites)) if not v]
    if missing:
        diags.warning(path, line, f"a deb822 stanza without {', '.join(missing)}; ignored")
        return []
    bad = [t for t in types if t not in _TYPES]
    if bad:
        diags.warning(path, line, f"unknown type {bad[0][:40]!r} in Types; it is ignored")
    if len(types) * len(uris) * len(suites) > MAX_EXPANSION:
        diags.error(path, line, f"a stanza expanding to more than {MAX_EXPANSION} entries; "
                    "ignored")
        return []
    if not comps and any(not s.endswith("/") for s in suites):
        diags.warning(path, line, "a deb822 stanza without Components for a suite that is "
                      "not an exact path; those suites are ignored")
    enabled = fields.get("enabled", "yes").strip().lower() not in ("no", "false", "0")
    return [AptEntry(path, line, t, u, s, comps, enabled, first)
            for t in types if t in _TYPES for u in uris for s in suites
            if s.endswith("/") or comps]
