"""etc/pve/jobs.cfg → JobsConfig (the vzdump backup jobs).

jobs.cfg is a pve-common SectionConfig file (pve-manager PVE/Jobs/Plugin.pm, with the
`vzdump` type in PVE/Jobs/VZDump.pm and `realm-sync` in PVE/Jobs/RealmSync.pm), so it is
read by the same line machine as storage.cfg, with PVE's quirks. Values that decide
coverage are checked as PVE checks them; a bad one is dropped with its file and line.
When the collector looked for jobs.cfg and found none, the host has no job at all.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import JOBS_CFG, Snapshot
from proxguard.model.jobs import BackupJob, JobsConfig
from proxguard.model.manifest import Manifest
from proxguard.parsers import sectioncfg

PATH = "etc/pve/jobs.cfg"
_TYPES = frozenset({"vzdump", "realm-sync"})
_BOOLEANS = frozenset({"enabled", "all", "repeat-missed", "protected", "remove", "stdexcludes"})
_VMID_LIST = re.compile(r"[\d,; ]*")
_JOB_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")  # Jobs/Plugin.pm pve-configid
_MAIL_NOTIFICATION = frozenset({"always", "failure"})
_NOTIFICATION_MODE = frozenset({"auto", "legacy-sendmail", "notification-system"})


def _check_value(typ: str, key: str, raw: str | None) -> tuple[str | None, str | None]:
    if key in _BOOLEANS:
        return sectioncfg.check_boolean(raw)
    if raw is None:
        return None, "missing value"
    if key in ("vmid", "exclude") and not _VMID_LIST.fullmatch(raw):
        return None, f"'{raw}' is not a list of guest ids"
    if key == "mailnotification" and raw not in _MAIL_NOTIFICATION:
        return None, f"'{raw}' is not always or failure"
    if key == "notification-mode" and raw not in _NOTIFICATION_MODE:
        return None, f"'{raw}' is not auto, legacy-sendmail or notification-system"
    return raw, None


def _check_id(typ: str, sid: str) -> str | None:
    return None if _JOB_ID.fullmatch(sid) else f"'{sid}' is not a valid job id"


SCHEMA = sectioncfg.Schema(types=_TYPES, check_value=_check_value, check_id=_check_id,
                           lower_type=False)


def load(snapshot: Snapshot, diags: Diagnostics, manifest: Manifest | None = None
         ) -> JobsConfig | None:
    files = snapshot.of_kind(JOBS_CFG)
    if files:
        return parse(files[0].path, files[0].text, diags)
    if manifest is not None and manifest.state(PATH) == "absent":
        return JobsConfig(PATH, present=False)
    return None


def parse(path: str, text: str, diags: Diagnostics) -> JobsConfig:
    out = JobsConfig(path)
    for section in sectioncfg.parse(text, path, SCHEMA, diags).values():
        if section.type != "vzdump":
            continue
        job = BackupJob(section.id, section.line, dict(section.props))
        if job.selector is None:
            diags.warning(path, section.line, f"backup job {section.id} selects no guest "
                          "(no all, vmid, pool or exclude); Proxmox refuses such a job")
        out.backups[section.id] = job
    return out
