"""Proxmox firewall analysis: normalise rules to boxes, evaluate packets, find conflicts.

Public entry points: `analyse(config)` (the report's `firewall` section) and
`trace(config, "tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in")`.
"""

from proxguard.firewall.analysis import analyse
from proxguard.firewall.result import FirewallAnalysis
from proxguard.firewall.trace import trace

__all__ = ["FirewallAnalysis", "analyse", "trace"]
