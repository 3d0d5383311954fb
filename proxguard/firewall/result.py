"""The firewall analysis as a typed value: what `analyse()` returns and what the report's
`firewall` section, the fw-* rules, the CLI and the Firewall tab read.

The records are TypedDicts because each is already the JSON object the report contract
names (DESIGN.md §4), so `to_json()` is the same object graph, and a saved report and a
live analysis agree field for field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from proxguard.firewall.conflicts import ConflictSeverity


class RuleRecord(TypedDict):
    id: str
    file: str
    line: int
    scope: str
    direction: str
    action: str
    macro: str | None
    enabled: bool
    enforced: bool
    errors: list[str]
    raw: str
    comment: str | None


class ConflictRecord(TypedDict):
    type: str  # an id of proxguard.firewall.conflicts.CONFLICT_TYPES
    severity: ConflictSeverity  # shadowing: by effect (a shadowed DROP high, ACCEPT medium)
    note: bool  # informational (info types): listed, never counted among conflicts
    rule: str
    by: list[str]
    message: str
    example: dict[str, Any] | None
    examples: list[dict[str, Any]]
    file: str | None
    line: int
    chains: list[str]
    direction: NotRequired[str]  # redundancy: "up" (masked) or "down" (deletable)


class ChainRecord(TypedDict):
    name: str
    active: bool
    entries: int


class InactiveRecord(TypedDict):
    chain: str
    reason: str | None


class UnmodelledRecord(TypedDict):
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class FirewallAnalysis:
    rules: list[RuleRecord]
    conflicts: list[ConflictRecord]  # sorted: severity, file, line, type
    chains: list[ChainRecord]
    inactive: list[InactiveRecord]
    unmodelled: list[UnmodelledRecord]

    def of_type(self, type_id: str) -> list[ConflictRecord]:
        return [c for c in self.conflicts if c["type"] == type_id]

    def to_json(self) -> dict[str, Any]:
        """The report's `firewall` section."""
        return {"rules": self.rules, "conflicts": self.conflicts, "chains": self.chains,
                "inactive": self.inactive, "unmodelled": self.unmodelled}
