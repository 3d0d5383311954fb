"""Whether a container runs with host root, and the sentence that proves it.

Both container rules need the same judgement (nesting is graded by it), so it lives
once here. PVE's own test is `unprivileged || custom lxc.idmap` [CT src/PVE/LXC.pm
update_lxc_config]; a custom map that sends container UID 0 to host UID 0 passes that
test but gives the container host root, so the extended profile looks at the map too
(rules-catalogue.md §1.2 #7, CT-105).
"""

from __future__ import annotations

from dataclasses import dataclass

from proxguard.model.guests import Container, IdMap


@dataclass(frozen=True, slots=True)
class Privilege:
    privileged: bool
    evidence: str  # why, citing the deciding line
    line: int  # deciding line (0: the file as a whole, a default applies)


def root_idmap(ct: Container) -> IdMap | None:
    """The `u` range that maps container UID 0 to host UID 0, if any."""
    for m in ct.idmaps:
        if m.kind == "u" and m.ct_start <= 0 < m.ct_start + m.count \
                and m.host_start - m.ct_start == 0:
            return m
    return None


def assess(ct: Container, *, idmap_root_counts: bool) -> Privilege:
    where = ct.file
    flag_line = ct.line_of("unprivileged")
    raw = ct.get("unprivileged")
    flag = (f"unprivileged: {raw} ({where}:{flag_line})" if raw is not None
            else "unprivileged not set (default 0: privileged)")
    idmaps = [e for e in ct.raw_lxc if e.key == "lxc.idmap"]
    if ct.unprivileged_flag and not idmaps:
        return Privilege(False, f"{flag}; default ID map u/g 0 → 100000 (65536 IDs)", flag_line)
    if not idmaps:
        return Privilege(True, f"{flag} and no lxc.idmap", flag_line)
    first = idmaps[0]
    mapped = f"custom lxc.idmap ({where}:{first.line}) makes PVE run it user-namespaced"
    root = root_idmap(ct)
    if root is not None and idmap_root_counts:
        return Privilege(True, f"{flag}; {mapped}, but lxc.idmap 'u {root.ct_start} "
                         f"{root.host_start} {root.count}' ({where}:{root.line}) maps "
                         "container root to host UID 0, so it is effectively privileged",
                         root.line)
    return Privilege(False, f"{flag}; {mapped}", first.line)


def side_notes(ct: Container) -> str:
    """Pending or snapshot values of `unprivileged`, which are not live but worth saying."""
    notes = []
    if ct.pending is not None and ct.pending.get("unprivileged") is not None:
        notes.append(f"pending change unprivileged: {ct.pending.get('unprivileged')} "
                     f"({ct.file}:{ct.pending.line_of('unprivileged')}) is not applied yet")
    snaps = [n for n, s in ct.snapshots.items()
             if s.get("unprivileged") != "1" and not any(e.key == "lxc.idmap" for e in s.raw_lxc)]
    if snaps:
        notes.append(f"snapshot(s) {', '.join(snaps)} were taken while privileged "
                     "(not the live config)")
    return "; ".join(notes)
