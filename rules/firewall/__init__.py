"""firewall rules."""

from proxguard.rule import Rule
from proxguard.rules.firewall.default_accept_input import RULE as DEFAULT_ACCEPT_INPUT
from proxguard.rules.firewall.firewall_disabled import RULE as FIREWALL_DISABLED
from proxguard.rules.firewall.no_firewall_rules import RULE as NO_FIREWALL_RULES

RULES: tuple[Rule, ...] = (FIREWALL_DISABLED, DEFAULT_ACCEPT_INPUT, NO_FIREWALL_RULES)
