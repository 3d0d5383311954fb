"""What every subcommand shares: reading the inputs and acceptances, and usage errors.

Kept apart from the argument parser so the `fix` and `firewall` subcommands can use it
without importing the module that registers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import Acceptance, parse_acceptances
from proxguard.fleet.hosts import require_one_host
from proxguard.inputs import InputError, Snapshot


class UsageError(Exception):
    pass


def load_inputs(paths: Sequence[str], command: str = "audit") -> Snapshot:
    """One host's snapshot; several hosts are refused (never merged into one)."""
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
