"""pbs-backup-protection: a Proxmox Backup Server storage whose backups leave the node
unencrypted, or whose TLS connection is not pinned to the server's certificate."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.storage import Storage
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
)


def _judge(s: Storage) -> TargetResult:
    target = f"storage/{s.id}"
    facts = {"storage": s.id, "server": s.get("server") or "",
             "encrypted": s.get("encryption-key") is not None,
             "pinned": s.get("fingerprint") is not None}
    head = f"pbs storage {s.id} (server {s.get('server')}, {s.file}:{s.line})"
    if s.disabled:
        return inapplicable(target, f"{head} is disabled: no backup is written to it",
                            s.file, s.line, **facts)
    problems: list[str] = []
    if not facts["encrypted"]:
        problems.append("no encryption-key: backups reach the backup server unencrypted, "
                        "readable by anyone who controls it or its disks")
    if not facts["pinned"]:
        problems.append("no fingerprint: the server's TLS certificate is checked only "
                        "against the system CA store, not pinned")
    notes = []
    if facts["encrypted"] and s.get("master-pubkey") is None:
        notes.append("no master-pubkey: keep an offline copy of the encryption key "
                     "(/etc/pve/priv/storage/<id>.enc); without it no backup can be "
                     "restored once this node is lost")
    if problems:
        sev = None if not facts["encrypted"] else Severity.LOW
        return failed(target, f"{head}: {'; '.join(problems)}", s.file, s.line, severity=sev,
                      **facts)
    tail = f"; {notes[0]}" if notes else ""
    return passed(target, f"{head}: client-side encryption (encryption-key, "
                  f"{s.file}:{s.line_of('encryption-key')}) and a pinned certificate "
                  f"(fingerprint, {s.file}:{s.line_of('fingerprint')}){tail}",
                  s.file, s.line, **facts)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return [_judge(s) for s in host.storage.of_type("pbs")]


DOCS = """\
**What is checked.** Every `pbs:` storage of `/etc/pve/storage.cfg` (Proxmox Backup
Server datastores).

**How the verdict is decided.** A storage that is not disabled fails when it has no
`encryption-key` (medium): vzdump then sends the backups in the clear, and whoever
controls the backup server, its disks or its off-site sync target reads every guest's
disks. It also fails, with low severity on its own, when it has no `fingerprint`: the
server's TLS certificate is then verified only against the system CA store, which is
right for a CA-issued certificate but lets anyone who can obtain a trusted certificate
for that name (or a self-signed one accepted by hand) stand in. The key itself lives in
`/etc/pve/priv/storage/<id>.enc`, which ProxGuard never reads; storage.cfg keeps only
its fingerprint (pve-storage `PBSPlugin.pm` `on_add_hook` writes that, or `1`), so the
presence of `encryption-key` is what is judged. A passing storage without
`master-pubkey` is reminded to keep an offline copy of the key. A disabled storage is not
applicable.

**Why.** Backups hold complete guest disks, their secrets included; encrypting them on
the client is the only protection that holds when the backup server is compromised
(Proxmox Backup Server documentation, "Client-side encryption").
"""


RULE = Rule(
    id="pbs-backup-protection",
    title="PBS storage without client-side encryption or certificate pinning",
    category="storage",
    references=(
        Reference("PHG", "4.4", "Encrypt backups"),
        Reference("pve-storage", "src/PVE/Storage/PBSPlugin.pm",
                  "properties encryption-key, master-pubkey, fingerprint; on_add_hook"),
        Reference("Proxmox VE Admin Guide", "pvesm", "Proxmox Backup Server storage: "
                  "Encryption"),
    ),
    inputs=("storage",),
    rationale="Backups hold whole guest disks; without client-side encryption whoever "
              "controls the backup server reads them, and an unpinned TLS connection "
              "trusts any certificate the CA store accepts.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set an encryption key (`pvesm set <id> --encryption-key autogen` or a key "
                "file, from $PROXGUARD_PBS_ENCRYPTION_KEY) and keep a copy offline; pin the "
                "server's certificate with `--fingerprint` ($PROXGUARD_PBS_FINGERPRINT).",
        template="storage/pbs_backup_protection.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
