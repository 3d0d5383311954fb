"""Which guests run on the node, as `pct list` / `qm list` printed it at collection time.

The configs say what starts at boot (`onboot`); only the listings say what runs now. A
guest started by hand holds its memory as surely as an onboot one, so the memory budget
counts both. A listing covers the node it ran on; a guest config without a row in it is
not known to run there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The states in which the guest's process exists and holds its memory. `pct list` prints
# running/stopped (pve-container LXC.pm vmstatus); `qm list` prints the QMP status when
# asked for it, else running/stopped (qemu-server QemuServer.pm vmstatus): a paused or
# suspended-to-RAM VM keeps its memory, a hibernated one is stopped.
HOLDS_MEMORY = frozenset({"running", "paused", "suspended", "prelaunch", "inmigrate",
                          "postmigrate", "finish-migrate", "io-error", "internal-error",
                          "guest-panicked", "debug", "restore-vm", "save-vm", "watchdog",
                          "colo", "shutdown", "suspending"})
STOPPED = frozenset({"stopped"})
KNOWN_STATES = HOLDS_MEMORY | STOPPED


@dataclass(frozen=True, slots=True)
class GuestState:
    """One row of a listing."""

    vmid: int
    status: str  # as printed (already checked against KNOWN_STATES)
    name: str  # as printed: hostile text, never trusted
    line: int
    lock: str = ""  # pct list only; empty when the guest holds no lock
    mem_mib: int | None = None  # qm list only: MEM(MB), the VM's configured maximum
    pid: int | None = None  # qm list only: 0 when the VM has no process

    @property
    def running(self) -> bool:
        return self.status in HOLDS_MEMORY


@dataclass(frozen=True, slots=True)
class GuestListing:
    """One listing file: `pct list` (kind "ct") or `qm list` (kind "vm")."""

    kind: str  # "ct" or "vm"
    file: str
    rows: dict[int, GuestState] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunState:
    """The listings supplied; None for a command whose output was not supplied."""

    containers: GuestListing | None = None
    vms: GuestListing | None = None

    def listing(self, kind: str) -> GuestListing | None:
        return self.containers if kind == "ct" else self.vms
