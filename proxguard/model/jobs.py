"""jobs.cfg as the backup rules need it: the vzdump backup jobs and what each selects.

Since PVE 7.1, backup jobs live in /etc/pve/jobs.cfg (`vzdump: <id>` sections, pve-manager
PVE/Jobs/VZDump.pm); a guest no enabled job selects is never backed up on schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.model.values import Prop


@dataclass(slots=True)
class BackupJob:
    id: str
    line: int  # header line
    props: dict[str, Prop] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        prop = self.props.get(key)
        return prop.value if prop is not None else default

    def line_of(self, key: str) -> int:
        prop = self.props.get(key)
        return prop.line if prop is not None else 0

    @property
    def enabled(self) -> bool:
        return self.get("enabled", "1") == "1"  # Jobs/Plugin.pm: enabled defaults to 1

    @property
    def all(self) -> bool:
        return self.get("all", "0") == "1"

    @property
    def selector(self) -> str | None:
        """Which option picks the guests, in get_included_guests' order (PVE/VZDump.pm):
        `pool`, else `vmid`, else `all` (None: the job selects nothing). An `exclude`
        without `pool` means `all`: verify_vzdump_parameters sets it, so an exclude list
        alone backs up every guest it does not name."""
        for key in ("pool", "vmid"):
            if _perl_true(self.get(key)):
                return key
        return "all" if self.all or self.get("exclude") is not None else None

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The options that conflict with this job's `vmid` (`all`, `exclude`, `pool`):
        vzdump's verify_vzdump_parameters refuses such a job before it backs anything
        up, while Proxmox's "not backed up" view (get_included_guests, pool before
        vmid before all) still counts what it would select."""
        if not _perl_true(self.get("vmid")):
            return ()
        return tuple(k for k in ("all", "exclude", "pool") if _perl_true(self.get(k)))

    @property
    def vmids(self) -> frozenset[int]:
        return _ids(self.get("vmid"))

    @property
    def excluded(self) -> frozenset[int]:
        return _ids(self.get("exclude"))


def _perl_true(raw: str | None) -> bool:
    """Perl's truth, as vzdump tests its options: defined, not empty, not "0"."""
    return raw is not None and raw not in ("", "0")


def _ids(raw: str | None) -> frozenset[int]:
    """A `pve-vmid-list` (comma, semicolon or space separated, as PVE::Tools::split_list);
    words that are not ids are dropped (the parser warns about them)."""
    if not raw:
        return frozenset()
    words = raw.replace(";", ",").replace(" ", ",").split(",")
    return frozenset(int(w) for w in words if w.isdigit() and len(w) <= 9)


@dataclass(slots=True)
class JobsConfig:
    file: str
    backups: dict[str, BackupJob] = field(default_factory=dict)  # vzdump jobs, file order
    present: bool = True  # False: the collector saw no jobs.cfg on the host (no job at all)
