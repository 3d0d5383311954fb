"""`free -b` output (commands/free-b.txt) → HostMemory.

procps free(1) prints a header (`total used free shared buff/cache available`) and one
row per kind (`Mem:`, `Swap:`, optionally `Total:`, `Low:`, `High:`), values in bytes
with `-b`. The `Mem:` row's first value is MemTotal. Any other line is a warning with its
line; without a `Mem:` row there is no model (the memory budget is not assessed).
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import FREE_B, Snapshot
from proxguard.model.memory import HostMemory

MAX_LINES = 64  # free prints at most five lines; more is not free output
_HEADER = re.compile(r"total\s+used\s+free(?:\s+[\w/]+)*")
_ROW = re.compile(r"(Mem|Swap|Total|Low|High):((?:\s+\d{1,20})+)")


def load(snapshot: Snapshot, diags: Diagnostics) -> HostMemory | None:
    files = snapshot.of_kind(FREE_B)
    if not files:
        return None
    return parse(files[0].path, files[0].text, diags)


def parse(path: str, text: str, diags: Diagnostics) -> HostMemory | None:
    columns: list[str] = []
    mem: HostMemory | None = None
    for n, raw in enumerate(text.split("\n")[:MAX_LINES], start=1):
        line = raw.strip()
        if not line:
            continue
        if _HEADER.fullmatch(line):
            columns = line.split()
            continue
        m = _ROW.fullmatch(line)
        if m is None:
            diags.warning(path, n, "not a line of `free -b` output; ignored")
            continue
        if m.group(1) == "Mem" and mem is None:
            values = [int(v) for v in m.group(2).split()]
            avail = values[columns.index("available")] \
                if "available" in columns and columns.index("available") < len(values) else None
            mem = HostMemory(path, n, values[0], avail)
    if mem is None:
        diags.error(path, 0, "no `Mem:` row: not `free -b` output; host memory unknown")
    elif mem.total == 0:
        diags.error(path, mem.line, "host memory total is 0; host memory unknown")
        return None
    return mem
