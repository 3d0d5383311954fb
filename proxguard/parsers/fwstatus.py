"""`pve-firewall status` output → FwStatus.

The command prints one line, `Status: <enabled|disabled>/<running|stopped|unknown>`,
with ` (pending changes)` when the loaded rules differ from the configuration
[pve-firewall src/PVE/Service/pve_firewall.pm, `status` in $cmddef]; `enabled` is what
the host read from its own cluster.fw, `running` is the daemon. Compile warnings may be
printed before it; they are kept as diagnostics, never read as the status.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import InputFile
from proxguard.model.running import FwStatus

_STATUS = re.compile(r"^Status: (enabled|disabled)/(running|stopped|unknown)( \(pending changes\))?$")


def parse_fw_status(f: InputFile, diags: Diagnostics) -> FwStatus | None:
    found: FwStatus | None = None
    for n, raw in enumerate(f.lines(), 1):
        line = raw.rstrip("\r").strip()
        if not line:
            continue
        m = _STATUS.match(line)
        if m and found is None:
            found = FwStatus(m.group(1) == "enabled", m.group(2), bool(m.group(3)), f.path, n, line)
        elif m:
            diags.warning(f.path, n, "a second Status line; the first one is used")
        else:
            diags.warning(f.path, n, "not a pve-firewall status line; ignored")
    if found is None:
        diags.warning(f.path, 0, "no `Status: …` line: not pve-firewall status output; "
                      "the firewall daemon's state is not assessed")
    return found
