"""What every pgstub module shares: the host tree the stubs act on, the call log, and
PVE's CLI conventions (`--key value` options, JSON printed in UTF-8, errors on stderr).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

ROOT = Path(os.environ.get("PROXGUARD_ROOT") or "/nonexistent-proxguard-root")
MARKER = "ProxguardStubInvalid"


def log(kind: str, argv: list[str]) -> None:
    path = os.environ.get("PROXGUARD_STUB_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{kind} {shlex.join(argv)}\n")


def die(msg: str, code: int = 2) -> None:
    print(msg, file=sys.stderr)
    sys.exit(code)


def out_json(data: object) -> None:
    # pve-common CLIFormatter.pm print_api_result: JSON in UTF-8, not \u escapes
    print(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


def opts(args: list[str]) -> dict[str, str]:
    """`--key value` pairs (PVE CLI style); a flag without value gets "1"."""
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                out[a[2:]] = args[i + 1]
                i += 2
                continue
            out[a[2:]] = "1"
        i += 1
    return out



def read(path: Path) -> str:
    """The file as PVE reads it: no newline translation, so a CRLF file keeps its \\r."""
    return path.read_bytes().decode("utf-8")
