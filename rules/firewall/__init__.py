"""firewall rules: the incumbent's three, then the extended-only conflict-analysis rules."""

from proxguard.rule import Rule
from proxguard.rules.firewall.default_accept_input import RULE as DEFAULT_ACCEPT_INPUT
from proxguard.rules.firewall.firewall_disabled import RULE as FIREWALL_DISABLED
from proxguard.rules.firewall.fw_forward_policy import RULE as FW_FORWARD_POLICY
from proxguard.rules.firewall.fw_loaded_input_accept import RULE as FW_LOADED_INPUT_ACCEPT
from proxguard.rules.firewall.fw_lockout_risk import RULE as FW_LOCKOUT_RISK
from proxguard.rules.firewall.fw_management_exposed import RULE as FW_MANAGEMENT_EXPOSED
from proxguard.rules.firewall.fw_not_running import RULE as FW_NOT_RUNNING
from proxguard.rules.firewall.fw_ruleset_drift import RULE as FW_RULESET_DRIFT
from proxguard.rules.firewall.fw_shadowed_rule import RULE as FW_SHADOWED_RULE
from proxguard.rules.firewall.fw_unenforced_rule import RULE as FW_UNENFORCED_RULE
from proxguard.rules.firewall.guest_firewall_enforced import RULE as GUEST_FIREWALL_ENFORCED
from proxguard.rules.firewall.guest_management_access import RULE as GUEST_MANAGEMENT_ACCESS
from proxguard.rules.firewall.no_firewall_rules import RULE as NO_FIREWALL_RULES
from proxguard.rules.firewall.pveproxy_access import RULE as PVEPROXY_ACCESS
from proxguard.rules.firewall.sandbox_egress import RULE as SANDBOX_EGRESS

RULES: tuple[Rule, ...] = (
    FIREWALL_DISABLED, DEFAULT_ACCEPT_INPUT, NO_FIREWALL_RULES,
    FW_SHADOWED_RULE, FW_LOCKOUT_RISK, FW_MANAGEMENT_EXPOSED, FW_UNENFORCED_RULE,
)
# The running firewall (issue 19): what pve-firewall status and the dumps say is loaded.
RULES += (FW_NOT_RUNNING, FW_RULESET_DRIFT, FW_LOADED_INPUT_ACCEPT)
# Guests and paths (issues 12 items 1 and 7, 17 item 6): the path model's questions.
RULES += (GUEST_FIREWALL_ENFORCED, GUEST_MANAGEMENT_ACCESS, SANDBOX_EGRESS)
RULES += (PVEPROXY_ACCESS,)
# Routed traffic (issue 12 item 17): the forward policy as the node's backend applies it.
RULES += (FW_FORWARD_POLICY,)
