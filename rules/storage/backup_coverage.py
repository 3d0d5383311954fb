"""backup-coverage: guests no enabled backup job selects, and jobs nobody hears fail from.

Category: storage (docs/DESIGN.md §7) — backups are the storage of last resort, beside
the PBS and backup-share rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.guests import Container
from proxguard.model.host import Host
from proxguard.model.jobs import BackupJob, JobsConfig
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

_SHOWN = 3


def _picks(host: Host, job: BackupJob, vmid: int, node: str | None) -> bool | None:
    """Would the job's selection take this guest? None: it depends on a pool user.cfg does
    not show. vzdump (PVE/VZDump.pm get_included_guests): the `pool`'s members, else the
    `vmid` list, else `all` minus `exclude`; a `node` restricts the job to that node's
    guests."""
    jnode = job.get("node")
    if jnode and node is not None and jnode != node:
        return False
    selector = job.selector
    if selector == "pool":
        if host.access is None or host.access.user_source is None:
            return None
        members = host.access.pools.get(job.get("pool") or "")
        return members is not None and vmid in members.vms
    if selector == "vmid":
        return vmid in job.vmids
    return selector == "all" and vmid not in job.excluded


def _selects(host: Host, job: BackupJob, vmid: int, node: str | None) -> bool | None:
    """Does the job back up this guest? A job vzdump refuses (`vmid` beside `all`,
    `exclude` or `pool`) backs up nothing."""
    return False if job.conflicts else _picks(host, job, vmid, node)


def _guest(host: Host, jobs: JobsConfig, kind: str, vmid: int, node: str | None,
           file: str) -> TargetResult:
    target = f"{kind}/{vmid}"
    facts = {"vmid": vmid, "kind": "guest"}
    hits, unknown = [], []
    for job in jobs.backups.values():
        if not job.enabled:
            continue
        got = _selects(host, job, vmid, node)
        if got:
            hits.append(job)
        elif got is None:
            unknown.append(job)
    if hits:
        shown = ", ".join(f"{j.id} ({jobs.file}:{j.line}, schedule {j.get('schedule') or '?'})"
                          for j in hits[:_SHOWN])
        return passed(target, f"{target} is backed up by {shown}", jobs.file, hits[0].line,
                      **facts)
    if unknown:
        return unassessed(target, f"{target}: no job selects it by id or `all`; job "
                          f"{unknown[0].id} selects pool {unknown[0].get('pool')}, whose "
                          "members are in user.cfg, not supplied", jobs.file,
                          unknown[0].line, **facts)
    where = ("no jobs.cfg on the host: no backup job exists" if not jobs.present else
             f"no enabled job of the {len(jobs.backups)} in {jobs.file} selects it"
             if jobs.backups else f"{jobs.file} holds no backup job")
    disabled = [j.id for j in jobs.backups.values()
                if not j.enabled and _selects(host, j, vmid, node)]
    refused = [j.id for j in jobs.backups.values()
               if j.enabled and j.conflicts and _picks(host, j, vmid, node)]
    tail = (f"; it is selected only by disabled job(s) {', '.join(disabled[:_SHOWN])}"
            if disabled else "")
    if refused:
        tail += (f"; job(s) {', '.join(refused[:_SHOWN])} would select it, but vzdump "
                 "refuses to run them (conflicting options), although Proxmox's \"not "
                 "backed up\" view counts it as covered")
    return failed(target, f"{target} ({file}) is never backed up on schedule: {where}{tail}",
                  file, 0, **facts, disabled_jobs=disabled, refused_jobs=refused)


def _job(jobs: JobsConfig, job: BackupJob) -> TargetResult:
    """Is anyone told when this job fails? PVE 8.1+ (PVE/VZDump.pm): `notification-mode`
    auto (default) mails `mailto` the legacy way when it is set, else hands the result
    to the notification system; legacy-sendmail without `mailto` tells no one."""
    target, ref = f"backup-job/{job.id}", f"{jobs.file}:{job.line}"
    facts = {"job": job.id, "kind": "job", "enabled": job.enabled}
    if not job.enabled:
        return failed(target, f"backup job {job.id} ({ref}) is disabled (enabled 0, line "
                      f"{job.line_of('enabled')}): it backs up nothing", jobs.file,
                      job.line_of("enabled"), severity=Severity.LOW, **facts)
    if job.conflicts:
        opts = ", ".join(f"`{k}`" for k in job.conflicts)
        return failed(target, f"backup job {job.id} ({ref}): `vmid` (line "
                      f"{job.line_of('vmid')}) conflicts with {opts}: vzdump refuses the "
                      "job before it starts, so it backs up nothing", jobs.file,
                      job.line_of("vmid"), severity=Severity.LOW, **facts,
                      conflicts=list(job.conflicts))
    mode, mailto = job.get("notification-mode", "auto"), job.get("mailto")
    if mailto and mode != "notification-system":
        when = job.get("mailnotification", "always")
        return passed(target, f"backup job {job.id} ({ref}) mails {mailto} "
                      f"({'on failure' if when == 'failure' else 'always'})", jobs.file,
                      job.line_of("mailto"), **facts)
    if mode == "legacy-sendmail":
        return failed(target, f"backup job {job.id} ({ref}): notification-mode "
                      "legacy-sendmail without mailto: nobody is told when it fails",
                      jobs.file, job.line_of("notification-mode"), severity=Severity.LOW,
                      **facts)
    return unassessed(target, f"backup job {job.id} ({ref}): failures go to the "
                      "notification system; whether they reach anyone is decided by "
                      "/etc/pve/notifications.cfg, which is not collected", jobs.file,
                      job.line, **facts)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    jobs, guests = host.jobs, host.guests
    assert jobs is not None
    out = [_job(jobs, j) for j in jobs.backups.values()]
    if guests is None:
        return out
    every: list[tuple[str, int, str | None, str]] = [
        ("ct" if isinstance(g, Container) else "vm", g.vmid, g.node, g.file)
        for g in [*guests.containers.values(), *guests.vms.values()]]
    for kind, vmid, node, file in sorted(every, key=lambda x: x[1]):
        out.append(_guest(host, jobs, kind, vmid, node, file))
    return out


DOCS = """\
**What is checked.** The `vzdump:` backup jobs of `/etc/pve/jobs.cfg` (PVE 7.1 and
later) against every guest config supplied (`ct/<vmid>`, `vm/<vmid>`), and each job
itself (`backup-job/<id>`).

**How the verdict is decided.** A guest passes when at least one *enabled* job
(`enabled` defaults to 1) selects it, as vzdump selects guests (pve-manager
`PVE/VZDump.pm` get_included_guests): `pool` selects the pool's members (from user.cfg —
when user.cfg is not supplied such a guest is not evaluated); otherwise `vmid` lists the
ids; otherwise `all 1` selects every guest except those in `exclude` (an `exclude` list
without `pool` means `all`: vzdump sets it); a job with `node` only covers that node's
guests (a guest whose node the snapshot does not say is counted as covered). A job
whose `vmid` stands beside `all`, `exclude` or `pool` is refused by vzdump before it
starts (verify_vzdump_parameters): it covers no guest, although Proxmox's "not backed
up" view counts the guests it names.
A guest no enabled job selects fails (medium) and is listed with the reason: no jobs.cfg
on the host (when the collector's manifest says it looked and found none), no job in
the file, or none selecting it. A job fails (low) when it is disabled, when vzdump
refuses it (the conflicting options above), or when its `notification-mode` is
`legacy-sendmail` without `mailto` (nobody is told when it fails); it passes when it
mails `mailto` (`mailnotification` always or failure); with
the notification system (`auto` without `mailto`, the default, or
`notification-system`) it is not evaluated: `/etc/pve/notifications.cfg` decides
whether the failure reaches anyone, and it is not collected. Without jobs.cfg (and no
manifest saying it is absent) the rule is not evaluated. Jobs from before PVE 7.1
(`/etc/pve/vzdump.cron`) are not read.

**Why.** Ransomware, a failed disk or a bad upgrade are survived only by a recent
backup; a guest outside every job, or a job whose failures nobody sees, is found out on
the day of the restore.
"""


RULE = Rule(
    id="backup-coverage",
    title="Guests without a scheduled backup, and backup jobs nobody hears fail from",
    category="storage",
    references=(
        Reference("PHG", "4.1", "Backups"),
        Reference("pve-manager", "PVE/Jobs/VZDump.pm, PVE/VZDump.pm",
                  "jobs.cfg vzdump sections; guest selection (all/exclude, vmid, pool, node); "
                  "notification-mode, mailto, mailnotification"),
        Reference("Proxmox VE Admin Guide", "vzdump", "Backup Jobs"),
    ),
    inputs=("jobs",),
    rationale="A guest that no enabled job backs up cannot be restored after a disk "
              "failure or ransomware; a job whose failures nobody hears of stops silently.",
    docs=DOCS,
    remediation=Remediation(
        summary="Add the guest to a backup job (the script keeps one, `proxguard-backup`, "
                "created on $PROXGUARD_BACKUP_STORAGE), enable disabled jobs, set `mailto`.",
        template="storage/backup_coverage.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
