"""ProxGuard: a Proxmox VE security auditor.

The public API is deliberately small: load a snapshot, audit it, get the report dict.
The same calls serve the CLI, the tests and the browser (through proxguard.web).
"""

from __future__ import annotations

__version__ = "0.1.0"

from proxguard import _catalogue  # noqa: F401  (maps proxguard.rules first)
from proxguard.api import Report, audit, load_snapshot
from proxguard.inputs import Snapshot

__all__ = ["Report", "Snapshot", "__version__", "audit", "load_snapshot"]
