"""Diagnostics: what a parser could not use, with file and line.

A parser never raises on bad input; it records a Diagnostic and keeps going, because a
line that Proxmox or sshd would silently drop is itself something the operator must see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 means "the file as a whole"
    level: Level
    message: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "level": self.level, "message": self.message}


class Diagnostics(list[Diagnostic]):
    """An append-only list with shorthands, passed down into every parser."""

    def error(self, file: str, line: int, message: str) -> None:
        self.append(Diagnostic(file, line, "error", message))

    def warning(self, file: str, line: int, message: str) -> None:
        self.append(Diagnostic(file, line, "warning", message))

    def info(self, file: str, line: int, message: str) -> None:
        self.append(Diagnostic(file, line, "info", message))
