"""Names Proxmox or sshd itself would reject are refused before the model is built.

Node names, VMIDs and storage ids become target ids, API paths (`/nodes/<node>/…`) and
arguments in remediation scripts. On a real host they can only have Proxmox's own formats
(pve-common PVE/JSONSchema.pm: `pve-node`, `pve-vmid`, `pve-storage-id`); a node directory
called `$(…)` or a storage section `nfs: a;b` comes from a crafted tarball, not from a
Proxmox host. Such a file is left out of the model with an error saying which name and
why, so it is never judged and never reaches a script (storage sections with an invalid
id are already skipped by the storage parser, as PVE does; `STORAGE_ID` is its format). Drop-ins in
`sshd_config.d/` whose names Debian's `Include /etc/ssh/sshd_config.d/*.conf` does not
match are refused the same way: sshd never reads them.

Values Proxmox does accept may still hold shell metacharacters (user ids, comments, mount
options, drop-in names like `$(x).conf`); those are the shell environment's job
(proxguard.remediation.shellenv quotes every value), not this module's.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot

NODE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")  # pve-node
VMID = re.compile(r"[1-9][0-9]{2,8}")  # pve-vmid: 100 … 999999999
STORAGE_ID = re.compile(r"[a-z][a-z0-9._-]*[a-z0-9]", re.IGNORECASE)  # pve-storage-id

_NODE_DIR = re.compile(r"etc/pve/nodes/([^/]*)/")
_GUEST_FILE = re.compile(r"etc/pve/(?:nodes/[^/]*/)?(?:lxc|qemu-server)/([^/]*)\.conf"
                         r"|etc/pve/firewall/([^/]*)\.fw")
_DROPIN = re.compile(r"etc/ssh/sshd_config\.d/([^/]*)")
_SMALL_VMID = re.compile(r"[1-9][0-9]?")


def _shown(name: str) -> str:
    return ascii(name)  # a diagnostic never carries the raw control characters


def refusal(path: str) -> str | None:
    """Why Proxmox or sshd would never have this file, or None when the name is fine."""
    m = _NODE_DIR.match(path)
    if m and not NODE.fullmatch(m.group(1)):
        return (f"node name {_shown(m.group(1))} is not one Proxmox accepts (letters, digits "
                "and inner hyphens)")
    m = _GUEST_FILE.fullmatch(path)
    if m:
        vmid = m.group(1) if m.group(1) is not None else m.group(2)
        if vmid != "cluster" and not (VMID.fullmatch(vmid) or _SMALL_VMID.fullmatch(vmid)):
            return f"{_shown(vmid)} is not a VMID Proxmox accepts (100 to 999999999)"
    m = _DROPIN.fullmatch(path)
    if m and (not m.group(1).endswith(".conf") or m.group(1).startswith(".")):
        return (f"sshd never reads drop-in {_shown(m.group(1))}: Debian's Include "
                "/etc/ssh/sshd_config.d/*.conf does not match it")
    return None


def screen(snapshot: Snapshot) -> Snapshot:
    """The snapshot without the files whose names Proxmox or sshd would reject, its
    diagnostics extended by one error per refused file. VMIDs 1–99 (which Proxmox never
    assigns, but which are harmless numbers) are kept with a warning."""
    diags = Diagnostics()
    kept = {}
    for path, f in snapshot.files.items():
        why = refusal(path)
        if why is not None:
            diags.error(path, 0, f"{why}; this file is not assessed and no script uses it")
            continue
        m = _GUEST_FILE.fullmatch(path)
        vmid = (m.group(1) or m.group(2)) if m else None
        if vmid is not None and _SMALL_VMID.fullmatch(vmid):
            diags.warning(path, 0, f"VMID {vmid} is below 100, which Proxmox never assigns")
        kept[path] = f
    if not diags:
        return snapshot
    return Snapshot(files=kept, diagnostics=Diagnostics([*snapshot.diagnostics, *diags]))
