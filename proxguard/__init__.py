"""ProxGuard: a Proxmox VE security auditor.

The public API is deliberately small: load a snapshot, audit it, get the report dict.
The same calls serve the CLI, the tests and the browser (through proxguard.web).
Nothing below imports `proxguard` back, so importing the package has no cycle.
"""

from __future__ import annotations

from proxguard import _catalogue  # noqa: F401  (maps proxguard.rules first)
from proxguard.engine.audit import Report, audit, load_snapshot
from proxguard.engine.run import Finding
from proxguard.inputs import Snapshot
from proxguard.rule import Rule, Severity, Status, TargetResult
from proxguard.version import __version__

__all__ = ["Finding", "Report", "Rule", "Severity", "Snapshot", "Status", "TargetResult",
           "__version__", "audit", "load_snapshot"]
