"""stale-pristine-snapshot: a guest's baseline snapshot ("pristine", "clean", "base") is old.

Rollback to a baseline snapshot restores every package as it was on `snaptime`: a
build container or VM reset to a months-old baseline runs months of missing security
fixes until someone updates it again. Judged from the snapshot sections of the guest
config (`[name]` with `snaptime`, pve-container / qemu-server snapshot_create).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from proxguard.model.guests import GuestSection
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
    unassessed,
)

DAY = 86_400
_TOKEN = re.compile(r"[a-z]+")
_SNAPTIME = re.compile(r"\d{1,12}")


def _baseline(name: str, words: Sequence[str]) -> bool:
    """A name token that starts with a configured word: `pre-clean`, `Baseline-2024`
    match `clean`/`base`; `database` does not match `base`."""
    return any(tok.startswith(w) for tok in _TOKEN.findall(name.lower()) for w in words)


def _guests(host: Host) -> Iterator[tuple[str, int, str, dict[str, GuestSection]]]:
    assert host.guests is not None
    for vmid, ct in sorted(host.guests.containers.items()):
        yield "ct", vmid, ct.file, ct.snapshots
    for vmid, vm in sorted(host.guests.vms.items()):
        yield "vm", vmid, vm.file, vm.snapshots


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    words = tuple(str(w).lower() for w in params["names"])
    max_days = int(params["max_age_days"])
    out = []
    for kind, vmid, file, snaps in _guests(host):
        for name, sec in snaps.items():
            if _baseline(name, words):
                out.append(_judge(host.now, kind, vmid, file, name, sec, max_days))
    return out


def _judge(now: int, kind: str, vmid: int, file: str, name: str, sec: GuestSection,
           max_days: int) -> TargetResult:
    target = f"{kind}/{vmid}/snapshot/{name}"
    raw = sec.get("snaptime")
    facts = {"kind": kind, "vmid": vmid, "snapshot": name}
    if raw is None or not _SNAPTIME.fullmatch(raw):
        return unassessed(target, f"snapshot [{name}] ({file}:{sec.line}) has no readable "
                          "snaptime: its age is unknown", file, sec.line, **facts)
    age = (now - int(raw)) // DAY
    line = sec.line_of("snaptime") or sec.line
    shown = f"snapshot [{name}] of {kind.upper()} {vmid} taken {age} days ago " \
            f"(snaptime: {raw}, {file}:{line})"
    if age <= max_days:
        return passed(target, f"{shown}; within {max_days} days", file, line, **facts)
    return failed(target, f"{shown}: older than {max_days} days; a rollback to it brings "
                  "back every package as it was then", file, line, age_days=age, **facts)


DOCS = """\
**What is checked.** The snapshot sections (`[name]` with `snaptime`, epoch seconds) of
every LXC and QEMU guest config. A snapshot counts as a baseline when a word of its name
starts with one of the configured words (default `pristine`, `clean`, `base`: so
`clean-2024`, `Baseline` and `pre_pristine` count, `database` does not). Parameters (rule
tuning `names`, `max_age_days`; default 90 days). One target per baseline snapshot,
`ct/<vmid>/snapshot/<name>` or `vm/<vmid>/snapshot/<name>`.

**How the verdict is decided.** Fails (info: it weighs nothing in the score) when the
snapshot is older than the limit at audit time; passes when it is younger; not assessed
when `snaptime` is missing or not a number. Not applicable when no guest has a baseline
snapshot. Other snapshots are never judged.

**Why.** Build and test guests are often reset to a pristine snapshot before each use.
The rollback brings back the packages of the day the snapshot was taken: every security
fix since then is missing until the guest is updated again, and a guest that is rolled
back and used briefly is rarely updated. Refreshing the baseline (start, update, stop,
re-snapshot) keeps the reset state patched.
"""

RULE = Rule(
    id="stale-pristine-snapshot",
    title="Baseline (pristine) guest snapshot older than the refresh limit",
    category="container",
    references=(
        Reference("Proxmox VE Admin Guide", "pct / qm snapshot",
                  "snapshots keep the configuration and disk state of the time taken"),
        Reference("Proxmox source", "pve-guest-common src/PVE/AbstractConfig.pm",
                  "snapshot_prepare: $snap->{snaptime} = time() (LXC and QEMU alike)"),
    ),
    inputs=("guests",),
    rationale="Rolling a guest back to an old baseline snapshot re-installs months of "
              "missing security fixes.",
    docs=DOCS,
    remediation=Remediation(
        summary="Refresh the baseline: roll back to it, start the guest, update it, shut it "
                "down, delete the old snapshot and take it again under the same name.",
        template="container/stale_pristine_snapshot.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.INFO, {"names": ("pristine", "clean", "base"),
                                                 "max_age_days": 90})},
)
