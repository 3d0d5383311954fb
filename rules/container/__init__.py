"""container rules."""

from proxguard.rule import Rule
from proxguard.rules.container.container_nesting import RULE as CONTAINER_NESTING
from proxguard.rules.container.privileged_containers import RULE as PRIVILEGED_CONTAINERS

RULES: tuple[Rule, ...] = (PRIVILEGED_CONTAINERS, CONTAINER_NESTING)
