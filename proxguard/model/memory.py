"""The host's memory as `free -b` reports it (bytes): what the guests' budget is judged on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HostMemory:
    file: str
    line: int  # the `Mem:` line
    total: int  # bytes the kernel manages (MemTotal)
    available: int | None  # MemAvailable at collection time, when the column is present
