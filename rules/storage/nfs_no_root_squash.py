"""nfs-no-root-squash: `no_root_squash` written into an NFS storage's mount options."""

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
    unassessed,
)

TOKEN = "no_root_squash"


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    explain = bool(params.get("explain_export_side"))
    out = []
    for s in host.storage.of_type("nfs"):
        target = f"storage/{s.id}"
        line = s.line_of("options")
        # an exact option name, never a substring: `no_root_squash_x` or a share path
        # containing the words is not this option.
        hit = [o for o in s.options if o.partition("=")[0] == TOKEN]
        rest = ",".join(o for o in s.options if o.partition("=")[0] != TOKEN)
        facts = {"storage": s.id, "options_without": rest, "server": s.get("server") or "",
                 "export": s.get("export") or ""}
        state = " (storage disabled)" if s.disabled else ""
        if hit:
            ev = f"options {s.get('options')} ({s.file}:{line}) contains {TOKEN}{state}"
            if explain:
                ev += ("; this is an export option of the NFS server (exports(5)), not an "
                       "nfs(5) mount option: mount rejects it or it has no effect, and the "
                       "server's real squashing cannot be seen from storage.cfg")
            out.append(failed(target, ev, s.file, line, **facts))
            continue
        out.append(unassessed(target, _unseen(s.get("options"), s.file, line, state, facts),
                              s.file, line if s.options else s.line, **facts))
    return out


def _unseen(options: str | None, file: str, line: int, state: str,
            facts: dict[str, str]) -> str:
    """What was seen (the client options) and what was not (the server's export)."""
    shown = f"options {options} ({file}:{line})" if options else "no mount options"
    return (f"seen: {shown}, no {TOKEN} on the client side{state}; not seen: whether "
            f"{facts['server']}:{facts['export']} is exported with root_squash — storage.cfg "
            "holds client mount options only; check /etc/exports on the server "
            "(root_squash is the default there)")


DOCS = """\
**What is checked.** Every `nfs:` storage in `/etc/pve/storage.cfg`, after Proxmox's own
reading of the file (dropped keys and swallowed sections are gone). Its `options` value is
split as a comma list of mount options and each option's name is compared exactly.

**How the verdict is decided.** Fails when an option is literally `no_root_squash`.
Otherwise the storage is **not assessed**, never passed: `storage.cfg` holds the
client's mount options only, and whether the server exports the share with
`root_squash` (the exports(5) default) or `no_root_squash` is written in the server's
`/etc/exports`, which no PVE file shows. The evidence says what was seen (the client
options) and what was not (the export). A not-assessed target carries no points; when
no NFS storage fails, the rule as a whole is not assessed and Storage is scored from
its other rules (or not at all). **compat** keeps the incumbent's rule and severity
(high). **extended** judges what the finding really means, at low severity:
`no_root_squash` is an *export* option of the NFS server (exports(5)); Proxmox passes
`options` straight to `mount -t nfs -o …` [pve-storage NFSPlugin.pm nfs_mount], where
it is not a valid nfs(5) option, so the mount fails or the word is meaningless. The
finding is a broken client option that reveals an intent (the export is probably
configured with `no_root_squash`), not proof of the server's setting. A share name or
path that merely contains the words never matches.

**Why.** With `no_root_squash` on the server, root on any client (every PVE node and
any container with access to the mount) is root on the exported files, including other
guests' disks and backups.
"""

RULE = Rule(
    id="nfs-no-root-squash",
    title="NFS storage with no_root_squash",
    category="storage",
    references=(
        Reference("Incumbent", "PVE-STOR-001",
                  "NFS mount with no_root_squash (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
        Reference("exports(5)", "root_squash", "User ID mapping on the NFS server"),
        Reference("PHG-PBS", "1.2.5", "Harden network storage (root_squash on the server)"),
    ),
    inputs=("storage",),
    rationale="Root squashing is what stops root on a client from owning every file of "
              "the export; the word in storage.cfg signals that it was turned off.",
    docs=DOCS,
    remediation=Remediation(
        summary="Remove `no_root_squash` from the storage options with `pvesm set <id> "
                "--options …` and export the share with root_squash on the NFS server.",
        template="storage/nfs_no_root_squash.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.HIGH, {"explain_export_side": False}),
        "extended": Tuning(Severity.LOW, {"explain_export_side": True}),
    },
)
