"""`build_host`: the one place that runs every parser over a snapshot.

Each domain loader returns None when the snapshot holds none of its files. A loader that
raises despite its contract is caught here: the audit of the other files must still
complete, and the user is told which domain was not judged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from proxguard.inputs import Snapshot
from proxguard.model.host import Host
from proxguard.parsers import (
    apt,
    corosync,
    domains,
    free_b,
    guest,
    guest_list,
    host_links,
    jobs,
    manifest,
    names,
    pvefw,
    pveproxy,
    running_fw,
    sshd,
    storage,
    unixgroup,
    usercfg,
)
from proxguard.parsers.gate import gate_note, unrecognised

T = TypeVar("T")


def build_host(snapshot: Snapshot, now: int | None = None) -> Host:
    """The model; files whose content is not recognisable as their kind are taken out and
    the model rebuilt without them (proxguard.parsers.gate), so garbage is never graded.
    Files named as Proxmox itself would never name them are left out first
    (proxguard.parsers.names), so such a name never reaches the model or a script."""
    snapshot = names.screen(snapshot)
    host = _build(snapshot, now)
    bad = unrecognised(snapshot, host.diagnostics)
    if not bad:
        return host
    kept = {p: f for p, f in snapshot.files.items() if p not in bad}
    gated = _build(Snapshot(files=kept, diagnostics=snapshot.diagnostics), host.now)
    for path, why in bad.items():
        gated.diagnostics.warning(path, 0, gate_note(snapshot.files[path].kind, why))
    gated.snapshot, gated.unrecognised, gated.ungated = snapshot, bad, host
    return gated


def _build(snapshot: Snapshot, now: int | None) -> Host:
    host = Host(snapshot=snapshot, now=int(time.time()) if now is None else now)
    host.diagnostics.extend(snapshot.diagnostics)
    diags = host.diagnostics
    host.sshd = _guarded(host, "sshd", lambda: sshd.load(snapshot, diags))
    host.firewall = _guarded(host, "firewall", lambda: pvefw.load(snapshot, diags))
    host.access = _guarded(host, "access", lambda: usercfg.load(snapshot, diags))
    host.storage = _guarded(host, "storage", lambda: storage.load(snapshot, diags))
    host.guests = _guarded(host, "guests", lambda: guest.load(snapshot, diags))
    host.realms = _guarded(host, "realms", lambda: domains.load(snapshot, diags))
    host.unix_groups = _guarded(host, "unix_groups", lambda: unixgroup.load(snapshot, diags))
    host.running_firewall = _guarded(host, "running_firewall",
                                     lambda: running_fw.load(snapshot, diags))
    host.manifest = _guarded(host, "manifest", lambda: manifest.load(snapshot, diags))
    host.corosync = _guarded(host, "corosync",
                             lambda: corosync.load(snapshot, diags, host.manifest))
    host.jobs = _guarded(host, "jobs", lambda: jobs.load(snapshot, diags, host.manifest))
    host.pveproxy = _guarded(host, "pveproxy",
                             lambda: pveproxy.load(snapshot, diags, host.manifest))
    host.memory = _guarded(host, "memory", lambda: free_b.load(snapshot, diags))
    host.run_state = _guarded(host, "run_state", lambda: guest_list.load(snapshot, diags))
    host.apt = _guarded(host, "apt", lambda: apt.load(snapshot, diags))
    _guarded(host, "cross-domain", lambda: host_links.link(host))
    return host


def _guarded(host: Host, name: str, load: Callable[[], T | None]) -> T | None:
    try:
        return load()
    except Exception as exc:  # a parser bug must not take the whole audit down
        host.diagnostics.error("", 0, f"internal error while reading the {name} inputs "
                               f"({type(exc).__name__}: {exc}); {name} not assessed")
        return None
