"""ram-budget: the memory of the guests that start at boot against the host's memory.

On a single node RAM is the binding constraint: guests with `onboot: 1` all start after
a reboot, and when their configured memory exceeds what the host has, the kernel's OOM
killer (or a failed start) decides which ones run. Judged from the configs' `memory`
(MiB; pve-container and qemu-server default 512) against `free -b`'s MemTotal.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    passed,
)

MIB = 1 << 20


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 30):.1f} GiB"


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    assert host.guests is not None and host.memory is not None
    limit = float(params["max_share"])
    rows = [(f"ct/{v}", c.memory * MIB, c.onboot) for v, c in host.guests.containers.items()]
    rows += [(f"vm/{v}", m.memory * MIB, m.onboot) for v, m in host.guests.vms.items()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    total = host.memory.total
    always = sum(size for _, size, boot in rows if boot)
    share = always / total
    table = ", ".join(f"{gid} {size // MIB} MiB{' (onboot)' if boot else ''}"
                      for gid, size, boot in rows[:50])
    more = f" and {len(rows) - 50} more" if len(rows) > 50 else ""
    peaks = "; ".join(f"starting {gid} → {_gib(always + size)} ({(always + size) / total:.0%})"
                      for gid, size, boot in rows[:50] if not boot)
    evidence = (f"guests with onboot: 1 need {_gib(always)} of {_gib(total)} host memory "
                f"({share:.0%}; limit {limit:.0%}; free -b at {host.memory.file}:"
                f"{host.memory.line}). Guests by memory: {table or 'none'}{more}"
                + (f". If started too: {peaks}" if peaks else ""))
    facts = {"always_mib": always // MIB, "host_mib": total // MIB,
             "limit_percent": round(limit * 100),
             "resize": _resize(rows, always, int(total * limit))}
    if share > limit:
        return [failed("host", evidence, host.memory.file, host.memory.line, **facts)]
    return [passed("host", evidence, host.memory.file, host.memory.line, **facts)]


def _resize(rows: list[tuple[str, int, bool]], always: int, budget: int) -> list[dict[str, object]]:
    """Each always-on guest scaled by the same factor so the tier fits the budget: a
    concrete starting point for the operator (the script prints, never applies it)."""
    if always <= budget or always == 0:
        return []
    return [{"tool": "pct" if gid.startswith("ct/") else "qm", "vmid": int(gid[3:]),
             "mib": size // MIB, "new_mib": max(16, size * budget // always // MIB)}
            for gid, size, boot in rows[:50] if boot]


DOCS = """\
**What is checked.** The configured `memory` (MiB; default 512 in pve-container and
qemu-server; a QEMU `current=` value counts) of every guest config, split into the
always-on tier (`onboot: 1`) and the rest, against the host's memory from `free -b`
(`commands/free-b.txt`, the `Mem:` row's total). One target, `host`.

**How the verdict is decided.** Fails when the always-on tier needs more than 90 % of
the host's memory (rule tuning `max_share`, default 0.9); passes otherwise. The evidence
lists the guests by memory (largest first, onboot marked) and, for every guest that does
not start at boot, what the total would be if it were started too. Not evaluated without
the guest configs or `free -b`.

**Not modelled.** Running guests (`pct list`/`qm list` output is not read yet: a
running guest without `onboot` counts only in the "if started" column), ballooning
minimums, KSM sharing, ZFS ARC and the host's own use: the 10 % head-room is the margin
for those.

**Why.** Configured guest memory above what the host has is overcommit: after a reboot
every onboot guest starts, and the host swaps or the OOM killer ends guests (or the host's
own services) under load. On a single node there is nowhere to migrate them.
"""

RULE = Rule(
    id="ram-budget",
    title="Guests that start at boot need more than 90 % of host memory",
    category="container",
    references=(
        Reference("Proxmox VE Admin Guide", "qm memory / pct memory",
                  "memory (MiB, default 512); ballooning and overcommit notes"),
        Reference("Proxmox source", "qemu-server / pve-container config schema",
                  "memory default 512, onboot default 0"),
        Reference("procps", "free(1)", "free -b: bytes; Mem total"),
    ),
    inputs=("guests", "memory"),
    rationale="Guests starting at boot that need more memory than the host has are killed "
              "by the OOM killer or fail to start after a reboot.",
    docs=DOCS,
    remediation=Remediation(
        summary="Lower the memory of the largest always-on guests, or take guests that are "
                "not needed after a reboot out of the boot order (onboot 0).",
        template="container/ram_budget.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM, {"max_share": 0.9})},
)
