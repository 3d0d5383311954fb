"""The vocabulary every rule speaks: statuses, severities, references, target results.

Rules are data plus a small check. A check gets the typed host model and the profile's
parameters for that rule and returns one TargetResult per object it judged; the engine
turns those into a Finding (status aggregation, acceptances, not_evaluated/not_applicable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proxguard.model.host import Host


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ACCEPTED = "accepted"
    NOT_APPLICABLE = "not_applicable"
    NOT_EVALUATED = "not_evaluated"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used to pick a rule's worst failing severity."""
        return _RANK[self]

    def lowered(self) -> Severity:
        """One step less severe: conditional (Match-scoped) findings are scored this way."""
        order = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]
        return order[min(order.index(self) + 1, len(order) - 1)]


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


@dataclass(frozen=True, slots=True)
class Category:
    """A scoring category: its id (part of the report contract), the one title every
    renderer and the web page show, and its weight in both profiles (DESIGN.md §3)."""

    id: str
    title: str
    weight: int


# The one table of categories, in report order.
CATEGORY_TABLE: tuple[Category, ...] = (
    Category("ssh", "SSH", 25),
    Category("firewall", "Firewall", 25),
    Category("auth", "Authentication", 20),
    Category("container", "Container", 15),
    Category("storage", "Storage", 10),
    Category("api", "API", 5),
)
CATEGORIES: tuple[str, ...] = tuple(c.id for c in CATEGORY_TABLE)
_CATEGORY_BY_ID = {c.id: c for c in CATEGORY_TABLE}


def category_title(category_id: str) -> str:
    """The title of a category id; an id this version does not know (a saved report from
    another version) is shown as it is."""
    cat = _CATEGORY_BY_ID.get(category_id)
    return cat.title if cat is not None else category_id


@dataclass(frozen=True, slots=True)
class Reference:
    """A control a rule is traced to, e.g. Reference("CIS Debian 12", "5.1.20", "...")."""

    source: str
    id: str
    title: str = ""
    partial: str = ""  # why the rule covers the control only in part ("" = fully)

    def to_json(self) -> dict[str, str]:
        out = {"source": self.source, "id": self.id}
        if self.title:
            out["title"] = self.title
        if self.partial:
            out["coverage"] = "partial"
            out["note"] = self.partial
        return out


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The verdict on one object (host, ct/110, token/…) with the proof for it.

    `status` is PASS, FAIL or NOT_EVALUATED (the engine adds ACCEPTED); NOT_EVALUATED
    says the object was seen but what decides its verdict is not in the supplied files. `file`/`line` locate the deciding
    configuration line (line 0: the file as a whole, e.g. a missing key taking its default).
    `conditional` names the Match criteria when the failure only holds for some connections.
    `severity` overrides the rule's severity for this target (e.g. nesting on a privileged
    CT is worse). `facts` carries what the remediation template needs (vmid, token id, ...).
    """

    id: str
    status: Status
    evidence: str
    file: str | None = None
    line: int | None = None
    conditional: str | None = None
    severity: Severity | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


Params = Mapping[str, Any]
Check = Callable[["Host", Params], Sequence[TargetResult]]


@dataclass(frozen=True, slots=True)
class Remediation:
    """`template` names the rule's script template, `<category>/<module>.sh.j2` next to the
    rule module, rendered per failing target with `target` (a TargetResult) and `facts` by
    the quoting shell environment (proxguard.remediation.shellenv); template text instead of a name is
    accepted for throwaway rules in tests. `summary` is the one-line what-to-do shown
    beside the finding."""

    summary: str
    template: str = ""


@dataclass(frozen=True, slots=True)
class Tuning:
    """How one profile runs a rule: its severity there and the check's parameters.
    A rule belongs to exactly the profiles it has a Tuning for."""

    severity: Severity
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    category: str  # one of CATEGORIES
    references: tuple[Reference, ...]
    inputs: tuple[str, ...]  # Host attributes the check needs: "sshd", "firewall", ...
    rationale: str
    docs: str  # Markdown: what it checks, why, how results are decided
    remediation: Remediation
    check: Check
    profiles: Mapping[str, Tuning]  # "compat", "extended" → severity and params

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: unknown category {self.category!r}")


def passed(target: str, evidence: str, file: str | None = None, line: int | None = None,
           **facts: Any) -> TargetResult:
    return TargetResult(target, Status.PASS, evidence, file, line, facts=facts)


def inapplicable(target: str, evidence: str, file: str | None = None,
                 line: int | None = None, **facts: Any) -> TargetResult:
    """A target that exists but is not judged, with the reason (e.g. the rule sits in a
    chain Proxmox does not build). It counts for nothing; the reason is shown."""
    return TargetResult(target, Status.NOT_APPLICABLE, evidence, file, line, facts=facts)


def failed(target: str, evidence: str, file: str | None = None, line: int | None = None,
           *, conditional: str | None = None, severity: Severity | None = None,
           **facts: Any) -> TargetResult:
    return TargetResult(target, Status.FAIL, evidence, file, line, conditional, severity, facts)


def unassessed(target: str, evidence: str, file: str | None = None, line: int | None = None,
               **facts: Any) -> TargetResult:
    """The object exists but its verdict depends on something no supplied file shows
    (e.g. an NFS server's exports): never a pass, and it carries no points."""
    return TargetResult(target, Status.NOT_EVALUATED, evidence, file, line, facts=facts)
