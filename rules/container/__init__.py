"""container rules."""

from proxguard.rule import Rule
from proxguard.rules.container.container_nesting import RULE as CONTAINER_NESTING
from proxguard.rules.container.guest_host_hooks import RULE as GUEST_HOST_HOOKS
from proxguard.rules.container.lxc_raw_overrides import RULE as LXC_RAW_OVERRIDES
from proxguard.rules.container.privileged_containers import RULE as PRIVILEGED_CONTAINERS

RULES: tuple[Rule, ...] = (
    PRIVILEGED_CONTAINERS,
    CONTAINER_NESTING,
    # the extended catalogue (issue 12 items 2-3; extended profile only)
    LXC_RAW_OVERRIDES,
    GUEST_HOST_HOOKS,
)
