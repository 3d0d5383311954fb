"""Shared by the guest firewall rules: one path model per audit, and the sandbox test.

The network (guest ports, their chains and filters, `proxguard.firewall.path`) is built
once per FirewallConfig and kept in its cache, like the conflict analysis. The path model
is imported on first use: an audit without a firewall file never needs it (issue 14).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from proxguard.model.guests import _Guest
from proxguard.model.host import Host

if TYPE_CHECKING:
    from proxguard.firewall.guestnet import GuestPort
    from proxguard.firewall.path import Network
    from proxguard.model.firewall import FwFile

SANDBOX_TAGS = ("sandbox",)
SANDBOX_SNAPSHOTS = ("pristine", "clean", "base")


def network(host: Host) -> Network:
    from proxguard.firewall.path import Network, build_network

    cfg = host.firewall
    net = cfg.cache.get("network")
    if not isinstance(net, Network):
        net = build_network(cfg, host.guests)
        cfg.cache["network"] = net
    return net


def guests(host: Host) -> list[tuple[str, _Guest]]:
    """(kind, guest) for every container ("ct") and VM ("vm"), by vmid."""
    g = host.guests
    items: list[tuple[str, _Guest]] = [("ct", c) for c in g.containers.values()]
    items += [("vm", v) for v in g.vms.values()]
    return sorted(items, key=lambda t: t[1].vmid)


def tags(g: _Guest) -> list[str]:
    return [t for t in re.split(r"[;,\s]+", (g.get("tags") or "").lower()) if t]


def sandbox_reason(g: _Guest, params: dict[str, Any]) -> str | None:
    """Why a guest counts as a sandbox (None: it does not). A sandbox is a guest tagged
    as one (`tags: sandbox`), or a stopped-by-default guest kept from a clean snapshot
    (no `onboot: 1` and a snapshot named pristine/clean/base): the seed lab's build
    containers, started for a job and rolled back after it."""
    want = tuple(params.get("sandbox_tags", SANDBOX_TAGS))
    hit = [t for t in tags(g) if t in want]
    if hit:
        return f"tagged {hit[0]}"
    names = tuple(params.get("sandbox_snapshots", SANDBOX_SNAPSHOTS))
    snaps = [s for s in g.snapshots if s.lower().startswith(names)]
    if snaps and not g.onboot:
        return f"not started at boot, snapshot `{snaps[0]}` to roll back to"
    return None


def guest_flag(fw: FwFile | None, key: str, default: bool) -> bool:
    """`guestnet.flag` (imported on first use): a guest .fw option read as pve-firewall
    reads it, `default` when the file or the option is absent."""
    from proxguard.firewall.guestnet import flag

    return flag(fw, key, default)


def source_holds(entry: Any, address: int) -> bool:
    """Whether a chain entry's first region takes `address` as a source (regions.py,
    imported on first use); False for an entry without a region."""
    from proxguard.firewall.regions import SRC, iv_contains

    return entry is not None and bool(entry.region) and iv_contains(entry.region[0][SRC],
                                                                     address)


def probe(net: Network, spec: str) -> dict[str, Any]:
    """`proxguard.firewall.zones.path` (imported on first use): what decides `spec`."""
    from proxguard.firewall.zones import path

    return path(net, spec)


def deciding(result: dict[str, Any]) -> str:
    """The sentence of the hop that decided (the last one run)."""
    hops = result.get("hops") or []
    return hops[-1]["sentence"] if hops else result.get("error", "")


def ports_of(net: Network, zone: str) -> list[GuestPort]:
    return net.ports.get(zone, [])
