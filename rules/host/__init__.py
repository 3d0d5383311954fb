"""host rules: the host's own software channel and resources (not one of the six
domains' configuration files; each rule names the scoring category it counts in)."""

from proxguard.rule import Rule
from proxguard.rules.host.apt_channel import RULE as APT_CHANNEL

RULES: tuple[Rule, ...] = (APT_CHANNEL,)
