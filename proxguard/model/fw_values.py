"""Option values of the firewall files: one accepted option line, and an effective
setting with where it came from (kept apart so the backend rules can build them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FwOption:
    """One accepted `key: value` line of an [OPTIONS] section (last one wins)."""

    key: str  # lower-cased
    value: str
    line: int
    raw: str


@dataclass(frozen=True, slots=True)
class Setting:
    """The effective value of an option and where it came from (line 0: the default)."""

    key: str
    value: str
    file: str
    line: int
    note: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"{self.file}, not set, default"
