"""container rules."""

from proxguard.rule import Rule

RULES: tuple[Rule, ...] = ()
