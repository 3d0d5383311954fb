"""The rule catalogue: an explicit registry, one tuple per category package.

Each rule lives in one module of its category (metadata, check, docs and remediation
template together). Nothing registers itself on import; a test fails if a module holds
a rule that is not listed here, or two rules share an id.
"""

from __future__ import annotations

from proxguard.rule import Rule
from proxguard.rules import access, container, firewall, host, ssh, storage

ALL_RULES: tuple[Rule, ...] = (
    *ssh.RULES,
    *firewall.RULES,
    *access.RULES,
    *container.RULES,
    *storage.RULES,
    *host.RULES,
)

BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}
