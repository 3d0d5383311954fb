"""`pct list` and `qm list` output (commands/pct-list.txt, commands/qm-list.txt) → RunState.

The formats are the CLI's own printf lines:

- `pct list` (pve-container src/PVE/CLI/pct.pm): `%-10s %-10s %-12s %-20s` of VMID,
  Status, Lock, Name; Lock is empty unless the container holds one (then one word of the
  config schema's lock enum), and Name is the hostname (or `CT<vmid>`) with every blank
  removed (LXC.pm vmstatus) — so a row is three or four words.
- `qm list` (qemu-server src/PVE/CLI/qm.pm): `%10s %-20s %-10s %-10s %12.2f %-10s` of VMID,
  NAME, STATUS, MEM(MB), BOOTDISK(GB), PID; NAME is the config's `name` or `VM <vmid>`
  (QemuServer.pm vmstatus), so it may hold a blank: the row is read from both ends.

Both print nothing at all when the node has no guest of their kind, so an empty file is
a listing of none. A line that is neither the header nor a row is a warning with its
file and line and is left out; the names are kept as text and never trusted (a
compromised host writes what it likes into a hostname).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import PCT_LIST, QM_LIST, Snapshot
from proxguard.inputs.limits import MAX_GUESTS
from proxguard.model.runstate import KNOWN_STATES, GuestListing, GuestState, RunState

MAX_LINES = MAX_GUESTS + 16  # one row per guest plus the header; more is not a listing
# pve-container src/PVE/LXC/Config.pm: the `lock` property's enum
CT_LOCKS = frozenset({"backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted",
                      "rollback", "snapshot", "snapshot-delete"})
_VMID = re.compile(r"[1-9][0-9]{0,8}")  # 100 - 999999999 in the schema; 1.. accepted here
_MEM = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")
_DISK = re.compile(r"[0-9]{1,15}\.[0-9]{2}")
_PID = re.compile(r"[0-9]{1,10}")
_PCT_HEADER = ("VMID", "Status", "Lock", "Name")
_QM_HEADER = ("VMID", "NAME", "STATUS", "MEM(MB)", "BOOTDISK(GB)", "PID")

Row = Callable[[list[str], int], GuestState | str]


def load(snapshot: Snapshot, diags: Diagnostics) -> RunState | None:
    """None when neither listing was supplied (the rules then say run state is unknown)."""
    pct, qm = snapshot.of_kind(PCT_LIST), snapshot.of_kind(QM_LIST)
    if not pct and not qm:
        return None
    return RunState(
        containers=parse_pct(pct[0].path, pct[0].text, diags) if pct else None,
        vms=parse_qm(qm[0].path, qm[0].text, diags) if qm else None)


def parse_pct(path: str, text: str, diags: Diagnostics) -> GuestListing:
    return _parse("ct", path, text, diags, _PCT_HEADER, _pct_row,
                  "not a `pct list` row (VMID Status [Lock] Name)")


def parse_qm(path: str, text: str, diags: Diagnostics) -> GuestListing:
    return _parse("vm", path, text, diags, _QM_HEADER, _qm_row,
                  "not a `qm list` row (VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID)")


def _parse(kind: str, path: str, text: str, diags: Diagnostics, header: tuple[str, ...],
           row: Row, what: str) -> GuestListing:
    listing = GuestListing(kind, path)
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        diags.error(path, MAX_LINES + 1, f"more than {MAX_LINES} lines: not a listing of one "
                    "node's guests; the rest is not read")
    for n, raw in enumerate(lines[:MAX_LINES], start=1):
        words = raw.split()
        if not words or tuple(words) == header:
            continue
        got = row(words, n)
        if isinstance(got, str):
            diags.warning(path, n, f"{what}: {got}; line ignored")
        elif got.vmid in listing.rows:
            diags.warning(path, n, f"guest {got.vmid} listed again (first on line "
                          f"{listing.rows[got.vmid].line}); this row ignored")
        else:
            listing.rows[got.vmid] = got
    return listing


def _status(word: str) -> str | None:
    return None if word in KNOWN_STATES else "a status Proxmox does not print"


def _pct_row(words: list[str], n: int) -> GuestState | str:
    if len(words) not in (3, 4):
        return f"{len(words)} columns"
    if not _VMID.fullmatch(words[0]):
        return "the VMID is not a guest id"
    bad = _status(words[1])
    if bad:
        return bad
    lock = words[2] if len(words) == 4 else ""
    if lock and lock not in CT_LOCKS:
        return "the Lock column is not a container lock"
    return GuestState(int(words[0]), words[1], words[-1], n, lock=lock)


def _qm_row(words: list[str], n: int) -> GuestState | str:
    if len(words) < 6:
        return f"{len(words)} columns"
    vmid, status, mem, disk, pid = words[0], words[-4], words[-3], words[-2], words[-1]
    if not _VMID.fullmatch(vmid):
        return "the VMID is not a guest id"
    bad = _status(status)
    if bad:
        return bad
    if not (_MEM.fullmatch(mem) and _DISK.fullmatch(disk) and _PID.fullmatch(pid)):
        return "MEM(MB), BOOTDISK(GB) or PID is not a number"
    return GuestState(int(vmid), status, " ".join(words[1:-4]), n,
                      mem_mib=int(float(mem)), pid=int(pid))
