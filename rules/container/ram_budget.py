"""ram-budget: the memory of the always-on guests against the host's memory.

On a single node RAM is the binding constraint: guests with `onboot: 1` all start after
a reboot, guests started by hand hold their memory now, and when the two together need
more than the host has, the kernel's OOM killer (or a failed start) decides which ones
run. Judged from the configs' `memory` (MiB; pve-container and qemu-server default 512)
and, when supplied, `pct list`/`qm list` (which guests run) against `free -b`'s MemTotal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    inapplicable,
    passed,
    unassessed,
)
from proxguard.rules.container._ram_tiers import (
    KIND_NAMES,
    MIB,
    GuestMemory,
    Tiers,
    guest_nodes,
    local_node,
    tiers,
)

SHOWN = 50  # guests named in the evidence and the script; the sums count every one


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 30):.1f} GiB"


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    assert host.guests is not None and host.memory is not None
    mem = host.memory
    nodes = guest_nodes(host)
    if len(nodes) > 1 and local_node(host) is None:
        return [unassessed("host", f"guest configs of {len(nodes)} nodes were supplied "
                           f"({', '.join(sorted(nodes)[:SHOWN])}) but not which node free -b "
                           "was taken on (the collector's manifest names it): summing every "
                           "node's guests against one node's memory would be wrong",
                           mem.file, mem.line)]
    t = tiers(host)
    if not t.guests and not t.unsized:
        return [inapplicable("host", "every supplied guest is a template, which never starts "
                             f"({', '.join(t.templates[:SHOWN])}): nothing draws memory",
                             mem.file, mem.line)]
    limit = float(params["max_share"])
    always, total = t.always, mem.total
    tier = _tier_name(host)
    evidence = (f"{tier} need {_gib(always)} of {_gib(total)} host memory "
                f"({always / total:.0%}; limit {limit:.0%}; free -b at {mem.file}:{mem.line})"
                f". Guests by memory: {_table(t.guests)}{_peaks(t, total)}"
                f"{_notes(t, host.unrecognised)}")
    facts = {"always_mib": always // MIB, "host_mib": total // MIB,
             "limit_percent": round(limit * 100), "tier": tier[0].upper() + tier[1:],
             "running_known": not t.unsupplied,
             "resize": _resize(t.guests, always, int(total * limit))}
    verdict = failed if always / total > limit else passed
    return [verdict("host", evidence, mem.file, mem.line, **facts)]


def _tier_name(host: Host) -> str:
    """The tier as judged: onboot alone until some listing says what runs."""
    return "guests with onboot: 1" if host.run_state is None \
        else "guests with onboot: 1 or running"


def _table(rows: list[GuestMemory]) -> str:
    more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    return (", ".join(f"{g.gid} {g.label()}" for g in rows[:SHOWN]) or "none") + more


def _peaks(t: Tiers, total: int) -> str:
    """What starting each guest outside the always-on tier would push the total to."""
    always = t.always
    peaks = "; ".join(f"starting {g.gid} → {_gib(always + g.size)} "
                      f"({(always + g.size) / total:.0%})"
                      for g in t.guests[:SHOWN] if not g.always)
    return f". If started too: {peaks}" if peaks else ""


def _notes(t: Tiers, unrecognised: Mapping[str, str]) -> str:
    notes = []
    gated = [k for k in t.unsupplied if KIND_NAMES[k][1] in unrecognised]
    for kinds, how in ((gated, "supplied but not recognisable as listing output"),
                       ([k for k in t.unsupplied if k not in gated], "not supplied")):
        if kinds:
            names = " and ".join(KIND_NAMES[k][0] for k in kinds)
            files = ", ".join(KIND_NAMES[k][1] for k in kinds)
            notes.append(f"running state of {names} was {how} ({files}): only their "
                         "onboot flag counts")
    if t.unsized:
        notes.append(f"listed as running without a config, memory unknown and not counted: "
                     f"{', '.join(t.unsized[:SHOWN])}")
    if t.templates:
        notes.append(f"templates never start and are not counted: "
                     f"{', '.join(t.templates[:SHOWN])}")
    if t.elsewhere:
        notes.append(f"guests configured under other nodes run on those nodes' memory and "
                     f"are not counted: {', '.join(t.elsewhere[:SHOWN])}")
    return "".join(f". {n[0].upper()}{n[1:]}" for n in notes)


def _resize(rows: list[GuestMemory], always: int, budget: int) -> list[dict[str, object]]:
    """Each always-on guest scaled by the same factor so the tier fits the budget: a
    concrete starting point for the operator (the script prints, never applies it)."""
    if always <= budget or always == 0:
        return []
    return [{"tool": g.tool, "vmid": g.vmid, "name": g.name, "mib": g.size // MIB,
             "new_mib": max(16, g.size * budget // always // MIB), "onboot": g.onboot,
             "running": g.running, "config": g.config}
            for g in rows[:SHOWN] if g.always]


DOCS = """\
**What is checked.** The configured `memory` (MiB; default 512 in pve-container and
qemu-server; a QEMU `current=` value counts) of every guest config, split into the
always-on tier and the rest, against the host's memory from `free -b`
(`commands/free-b.txt`, the `Mem:` row's total). The always-on tier is every guest with
`onboot: 1` **or** running now: which guests run comes from `pct list` and `qm list`
(`commands/pct-list.txt`, `commands/qm-list.txt`, gathered by the collector). A running
guest with `onboot: 0` counts (it holds its memory now); a stopped guest with `onboot: 1`
counts too (it starts at the next boot). Paused and suspended VMs hold their memory and
count as running. Templates never start and are left out. One target, `host`.

**How the verdict is decided.** Fails when the always-on tier needs more than 90 % of
the host's memory (rule tuning `max_share`, default 0.9); passes otherwise; not
applicable when every supplied guest is a template. The evidence lists the guests by
memory (largest first, each with `onboot` and its listed state: running, stopped, or
"not listed" when a listing was supplied without it) and, for every guest outside the
always-on tier, what the total would be if it were started too. Without a listing the
rule judges as before on `onboot` alone and says that the running state of containers
and/or VMs was not supplied. A VM that `qm list` shows running without a supplied config
counts with its listed MEM(MB); such a container (pct list shows no memory) is named and
not counted. Not evaluated without the guest configs or `free -b`.

**Not modelled.** Ballooning minimums, KSM sharing, ZFS ARC and the host's own use: the
10 % head-room is the margin for those.

**Clusters.** `free -b` is one node's memory, so only that node's guests count: the
node is the host the collector's manifest names (`hostname`, short name), and guests
configured under `etc/pve/nodes/<other>/` are listed as not counted. When guest configs
of several nodes are supplied without a manifest naming the local node, the rule is not
evaluated rather than summing every node's guests against one node's memory.

**Why.** Configured guest memory above what the host has is overcommit: after a reboot
every onboot guest starts, guests started by hand already hold their share, and the host
swaps or the OOM killer ends guests (or the host's own services) under load. On a single
node there is nowhere to migrate them.
"""

RULE = Rule(
    id="ram-budget",
    title="Guests that start at boot or run need more than 90 % of host memory",
    category="container",
    references=(
        Reference("Proxmox VE Admin Guide", "qm memory / pct memory",
                  "memory (MiB, default 512); ballooning and overcommit notes"),
        Reference("Proxmox source", "qemu-server / pve-container config schema",
                  "memory default 512, onboot default 0"),
        Reference("procps", "free(1)", "free -b: bytes; Mem total"),
        Reference("Proxmox source", "pve-container src/PVE/CLI/pct.pm, qemu-server "
                  "src/PVE/CLI/qm.pm (list)", "pct list / qm list: which guests run"),
    ),
    inputs=("guests", "memory"),
    rationale="Guests that start at boot or already run, needing more memory than the host "
              "has, are killed by the OOM killer or fail to start after a reboot.",
    docs=DOCS,
    remediation=Remediation(
        summary="Lower the memory of the largest always-on guests, take guests that are "
                "not needed after a reboot out of the boot order (onboot 0), or shut down "
                "guests started by hand that are not needed now.",
        template="container/ram_budget.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM, {"max_share": 0.9})},
)
