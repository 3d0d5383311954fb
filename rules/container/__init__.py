"""container rules."""

from proxguard.rule import Rule
from proxguard.rules.container.container_nesting import RULE as CONTAINER_NESTING
from proxguard.rules.container.guest_host_hooks import RULE as GUEST_HOST_HOOKS
from proxguard.rules.container.lxc_raw_overrides import RULE as LXC_RAW_OVERRIDES
from proxguard.rules.container.privileged_containers import RULE as PRIVILEGED_CONTAINERS
from proxguard.rules.container.ram_budget import RULE as RAM_BUDGET
from proxguard.rules.container.stale_pristine_snapshot import RULE as STALE_PRISTINE_SNAPSHOT

RULES: tuple[Rule, ...] = (
    PRIVILEGED_CONTAINERS,
    CONTAINER_NESTING,
    # the extended catalogue (issue 12 items 2-3; extended profile only)
    LXC_RAW_OVERRIDES,
    GUEST_HOST_HOOKS,
    # issue 12 item 4: baseline snapshots that rot
    STALE_PRISTINE_SNAPSHOT,
    # issue 12 item 5: the memory of the guests that start at boot
    RAM_BUDGET,
)
