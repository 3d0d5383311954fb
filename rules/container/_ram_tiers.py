"""The guests' memory as ram-budget weighs it: each guest's size, boot flag and run state.

Kept apart from the rule so the rule stays a small check. The configs give the memory
(MiB; pve-container and qemu-server default 512) and `onboot`; the `pct list` / `qm list`
listings, when supplied, say which guests run now. The always-on tier is onboot ∪
running: after a reboot every onboot guest starts, and a guest started by hand holds its
memory now whatever its boot flag says.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.guests import Container, VirtualMachine
from proxguard.model.host import Host
from proxguard.model.runstate import GuestListing, GuestState, RunState

MIB = 1 << 20
KIND_NAMES = {"ct": ("containers", "commands/pct-list.txt"),
              "vm": ("VMs", "commands/qm-list.txt")}


@dataclass(frozen=True, slots=True)
class GuestMemory:
    gid: str  # ct/<vmid> or vm/<vmid>
    size: int  # bytes
    onboot: bool
    state: str | None  # the listing's status, "not listed", or None (no listing supplied)
    name: str  # hostname/name as configured or listed: untrusted text
    config: bool = True  # False: a VM known only from `qm list` (its MEM(MB) is the size)

    @property
    def running(self) -> bool:
        return self.state is not None and self.state not in ("stopped", "not listed")

    @property
    def always(self) -> bool:
        return self.onboot or self.running

    @property
    def tool(self) -> str:
        return "pct" if self.gid.startswith("ct/") else "qm"

    @property
    def vmid(self) -> int:
        return int(self.gid[3:])

    def label(self) -> str:
        """`8192 MiB onboot, running` — what the table shows after the guest id."""
        marks = (["onboot"] if self.onboot else []) + ([self.state] if self.state else [])
        if not self.config:
            marks.append("no config supplied: MEM(MB) of qm list")
        return f"{self.size // MIB} MiB" + (f" ({', '.join(marks)})" if marks else "")


@dataclass(frozen=True, slots=True)
class Tiers:
    guests: list[GuestMemory]  # largest first, then by id
    templates: list[str]  # guest ids left out: a template never starts
    unsized: list[str]  # listed as running without a config or a size: not counted
    unsupplied: list[str]  # kinds ("ct", "vm") with guests but no listing supplied
    elsewhere: list[str]  # guest ids configured under another node: not this host's memory

    @property
    def always(self) -> int:
        return sum(g.size for g in self.guests if g.always)


def _state(listing: GuestListing | None, vmid: int) -> str | None:
    if listing is None:
        return None
    row = listing.rows.get(vmid)
    return row.status if row is not None else "not listed"


def _listed_name(listing: GuestListing | None, vmid: int) -> str:
    row = listing.rows.get(vmid) if listing is not None else None
    return row.name if row is not None else ""


def guest_nodes(host: Host) -> set[str]:
    """The nodes whose directories (etc/pve/nodes/<node>/) hold the supplied guests."""
    assert host.guests is not None
    return {g.node for gs in (host.guests.containers, host.guests.vms)
            for g in gs.values() if g.node is not None}


def local_node(host: Host) -> str | None:
    """The node the snapshot was collected on: the collector's manifest names its host
    (`hostname`, possibly fully qualified; a PVE node is named by the short name)."""
    if host.manifest is None or not host.manifest.hostname:
        return None
    return host.manifest.hostname.split(".", 1)[0]


def _configured(kind: str, guests: dict[int, Container] | dict[int, VirtualMachine],
                listing: GuestListing | None, templates: list[str],
                place: tuple[str | None, list[str]]) -> list[GuestMemory]:
    """This node's guests (`place`: the local node, when known, and the list that
    collects the ids of guests configured under another node, which draw on that node's
    memory, not this one's)."""
    local, elsewhere = place
    out = []
    for vmid, g in guests.items():
        gid = f"{kind}/{vmid}"
        if local is not None and g.node is not None and g.node != local:
            elsewhere.append(gid)
            continue
        if g.flag("template"):
            templates.append(gid)
            continue
        name = g.get("hostname" if kind == "ct" else "name") or _listed_name(listing, vmid)
        out.append(GuestMemory(gid, g.memory * MIB, g.onboot, _state(listing, vmid), name))
    return out


def _listed_only(kind: str, listing: GuestListing | None, known: set[int],
                 unsized: list[str]) -> list[GuestMemory]:
    """Guests a listing shows running whose config was not supplied: a VM's size is its
    `qm list` MEM(MB); a container's is unknown (pct list prints none), so it is named
    and not counted."""
    out: list[GuestMemory] = []
    rows: list[GuestState] = [] if listing is None else \
        [r for v, r in listing.rows.items() if v not in known and r.running]
    for row in rows:
        if kind == "vm" and row.mem_mib is not None:
            out.append(GuestMemory(f"vm/{row.vmid}", row.mem_mib * MIB, False, row.status,
                                   row.name, config=False))
        else:
            unsized.append(f"{kind}/{row.vmid}")
    return out


def tiers(host: Host) -> Tiers:
    assert host.guests is not None
    run = host.run_state or RunState()
    templates: list[str] = []
    unsized: list[str] = []
    place: tuple[str | None, list[str]] = (local_node(host), [])
    rows = _configured("ct", host.guests.containers, run.containers, templates, place)
    rows += _configured("vm", host.guests.vms, run.vms, templates, place)
    rows += _listed_only("ct", run.containers, set(host.guests.containers), unsized)
    rows += _listed_only("vm", run.vms, set(host.guests.vms), unsized)
    rows.sort(key=lambda g: (-g.size, g.gid[:2], g.vmid))
    here = {g.gid[:2] for g in rows} | {gid[:2] for gid in templates}
    unsupplied = [k for k in ("ct", "vm") if k in here and run.listing(k) is None]
    return Tiers(rows, templates, unsized, unsupplied, sorted(place[1]))
