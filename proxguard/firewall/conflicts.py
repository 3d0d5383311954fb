"""The one table of firewall conflict types (firewall-analysis.md §6, docs/firewall.md).

Each type's id is the report's `"type"`; its severity orders the report's conflicts and
is what the fw-* rules and the Firewall tab show; its state is the one word a rule
carrying it is labelled with. The table's order is the labelling precedence: a rule with
several conflicts shows the most telling one (a shadowed rule that also overlaps ports
is "shadowed"). `masking` orders the four classifications of one rule masked by earlier
rules in one chain, of which only the strongest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ConflictSeverity = Literal["high", "medium", "low", "info"]


@dataclass(frozen=True, slots=True)
class ConflictType:
    id: str
    severity: ConflictSeverity
    state: str
    masking: int | None = None  # rank among the masking classifications (0 = strongest)


CONFLICT_TYPES: tuple[ConflictType, ...] = (
    ConflictType("unenforced", "medium", "unenforced"),
    ConflictType("shadowing", "high", "shadowed", masking=0),
    ConflictType("lockout-risk", "high", "lockout-risk"),
    ConflictType("management-exposed", "high", "exposes-management"),
    ConflictType("unreachable", "medium", "unreachable"),
    ConflictType("correlation", "medium", "correlated", masking=1),
    ConflictType("redundancy", "low", "redundant", masking=2),
    ConflictType("protocol-mismatch", "low", "protocol-mismatch"),
    ConflictType("generalisation", "info", "exception", masking=3),
    ConflictType("port-overlap", "info", "port-overlap"),
)
BY_ID: dict[str, ConflictType] = {t.id: t for t in CONFLICT_TYPES}
SEVERITY_ORDER: tuple[ConflictSeverity, ...] = ("high", "medium", "low", "info")


def severity_of(type_id: str) -> ConflictSeverity:
    return BY_ID[type_id].severity


def masking_rank(type_id: str) -> int:
    rank = BY_ID[type_id].masking
    if rank is None:
        raise ValueError(f"{type_id} is not a masking classification")
    return rank
