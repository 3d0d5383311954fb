"""The collector's manifest: which paths it looked for on the host and what it found.

Why it exists: a file missing from a snapshot can mean "absent on the host" (for
cluster.fw: the firewall is off, pve-firewall reads a missing file as empty) or "not
supplied" (pasted files: nothing can be concluded). Only the collector, which looked,
can tell the two apart; without a manifest ProxGuard never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PATH_STATES = ("present", "absent", "unreadable", "refused")
COMMAND_STATES = ("ok", "missing", "failed")


@dataclass(frozen=True, slots=True)
class Manifest:
    path: str  # where the manifest itself was read from
    collected_at: int | None
    hostname: str
    paths: dict[str, str] = field(default_factory=dict)  # host path → PATH_STATES
    commands: dict[str, str] = field(default_factory=dict)  # output file → COMMAND_STATES

    def state(self, path: str) -> str | None:
        """What the collector found at `path` (None: it did not look there)."""
        return self.paths.get(path)
