"""What every subcommand shares: reading the inputs and acceptances, and usage errors.

Kept apart from the argument parser so the `fix` and `firewall` subcommands can use it
without importing the module that registers them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import Acceptance, parse_acceptances
from proxguard.fleet.hosts import require_one_host
from proxguard.inputs import InputError, Snapshot
from proxguard.inputs.live import read_live


class UsageError(Exception):
    pass


def is_live(paths: Sequence[str], live: bool = False) -> bool:
    """`--live`, or the one path `/`: the running host itself (issue 20)."""
    if live and any(os.path.realpath(p) != "/" for p in paths):
        raise UsageError("--live audits the running host (/); it takes no other PATH")
    if not live and not paths:
        raise UsageError("audit: give a PATH (a host tree, a collector tarball, files) or --live")
    return live or (len(paths) == 1 and os.path.realpath(paths[0]) == "/")


def load_inputs(paths: Sequence[str], live: bool = False, now: int | None = None,
                command: str = "this command") -> Snapshot:
    """The snapshot to audit. Live (`/` or --live): the list of sources from the running
    host plus, as root, its read-only commands (inputs.live). Otherwise one host: several
    (tarballs, host directories) are refused, never merged into one snapshot."""
    if is_live(paths, live):
        snap = read_live("/", int(time.time()) if now is None else now)
        paths = ["/"]
    else:
        require_one_host(paths, command)
        snap = Snapshot.from_paths(paths)
    if not any(f.kind != "unknown" for f in snap.files.values()):
        raise InputError(f"{' '.join(paths)}: no Proxmox or OpenSSH configuration found "
                         "(expected e.g. etc/ssh/sshd_config, etc/pve/user.cfg or a collector tarball)")
    return snap


def load_acceptances(path: str | None, diags: Diagnostics) -> list[Acceptance]:
    if not path:
        return []
    return parse_acceptances(Path(path).read_text(encoding="utf-8"), path, diags)
