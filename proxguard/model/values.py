"""A configuration value together with the line it was read from.

Every model keeps the deciding line beside the value because each finding must cite
file:line; line 0 means the value is a default or was synthesised by Proxmox.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Prop:
    value: str
    line: int
