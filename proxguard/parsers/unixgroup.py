"""/etc/group → UnixGroups (group(5): `name:password:GID:user1,user2`).

A line that is not of that form is reported with its number and skipped; the membership
of the remaining groups is still used (the SSH verdicts that depend on an unreadable line
say so through the diagnostics).
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import GROUP, Snapshot
from proxguard.model.unixgroups import UnixGroups

PATH = "etc/group"
MAX_LINES = 100_000  # a group file is a few hundred lines; anything beyond is not one
_LINE = re.compile(r"([^:\s]+):([^:]*):(\d+):([^:]*)")


def load(snapshot: Snapshot, diags: Diagnostics) -> UnixGroups | None:
    files = snapshot.of_kind(GROUP)
    if not files:
        return None
    f = files[0]
    out = UnixGroups(f.path)
    lines = f.text.split("\n")
    if len(lines) > MAX_LINES:
        diags.error(f.path, MAX_LINES, f"more than {MAX_LINES} lines; the rest is ignored")
    for n, raw in enumerate(lines[:MAX_LINES], start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            diags.warning(f.path, n, "not a group(5) line (name:password:GID:members); ignored")
            continue
        name = m.group(1)
        if name in out.members:
            diags.warning(f.path, n, f"group {name} defined again; the first line counts "
                          "(getgrnam returns the first)")
            continue
        users = tuple(u for u in m.group(4).split(",") if u)
        out.members[name] = users
        out.lines[name] = n
    return out
