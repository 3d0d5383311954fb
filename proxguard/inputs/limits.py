"""The caps on what one audit reads, and the error that names a cap when it is hit.

Inputs may come from a machine that is already compromised, so every quantity an input
controls is bounded: a tarball cannot expand into memory without limit, a directory of a
million guest configs cannot stall the audit, and a recursive sshd Include cannot fan out
for ever. Each cap is documented in docs/security.md with its value; hitting one is an
InputError (CLI exit 2) whose single line names the cap, because a silently truncated
snapshot would be graded as if it were whole.

The values are module attributes read at use time (``limits.MAX_…``), so tests can lower
them and a future option could raise them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_FILE_BYTES = 8 * 1024 * 1024  # one configuration file ("bytes per file")
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # everything read: files, tar headers and data
MAX_MEMBERS = 20_000  # tarball members, or directory entries scanned for a glob
MAX_GUESTS = 5_000  # LXC + QEMU guest configurations in one snapshot
MAX_SSHD_LINES = 100_000  # sshd_config lines processed, Includes expanded


class InputError(Exception):
    """An input that cannot be read at all (CLI exit code 2)."""


class InputLimitError(InputError):
    """A cap was hit: the snapshot would be incomplete, so nothing is graded."""


def cap_error(where: str, cap: str, value: int, unit: str = "") -> InputLimitError:
    """One line: what was read, which cap, its value (and where it is documented)."""
    shown = f"{value} {unit}".strip()
    return InputLimitError(f"{where}: more than the cap on {cap} ({shown}); not audited "
                           "(see docs/security.md)")


@dataclass
class Budget:
    """Counts shared by every reader of one snapshot (directory, tarball, live root)."""

    total_bytes: int = 0
    members: int = 0
    guests: set[str] = field(default_factory=set)

    def add_bytes(self, where: str, n: int) -> None:
        self.total_bytes += n
        if self.total_bytes > MAX_TOTAL_BYTES:
            raise cap_error(where, "total uncompressed bytes", MAX_TOTAL_BYTES, "bytes")

    def add_member(self, where: str) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise cap_error(where, "archive members", MAX_MEMBERS)

    def check_file_size(self, where: str, size: int) -> None:
        if size > MAX_FILE_BYTES:
            raise cap_error(where, "bytes per file", MAX_FILE_BYTES, "bytes")

    def add_guest(self, where: str, vmid: str) -> None:
        self.guests.add(vmid)
        if len(self.guests) > MAX_GUESTS:
            raise cap_error(where, "guests", MAX_GUESTS)
