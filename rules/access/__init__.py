"""Access-control and API-token rules, in the incumbent's order."""

from proxguard.rule import Rule
from proxguard.rules.access.admin_api_tokens import RULE as ADMIN_API_TOKENS
from proxguard.rules.access.corosync_crypto import RULE as COROSYNC_CRYPTO
from proxguard.rules.access.no_2fa_users import RULE as NO_2FA_USERS
from proxguard.rules.access.no_token_expiry import RULE as NO_TOKEN_EXPIRY
from proxguard.rules.access.overpermissive_roles import RULE as OVERPERMISSIVE_ROLES
from proxguard.rules.access.root_api_tokens import RULE as ROOT_API_TOKENS
from proxguard.rules.access.token_tiers import RULE as TOKEN_TIERS

RULES: tuple[Rule, ...] = (NO_2FA_USERS, ROOT_API_TOKENS, OVERPERMISSIVE_ROLES,
                           ADMIN_API_TOKENS, NO_TOKEN_EXPIRY, TOKEN_TIERS, COROSYNC_CRYPTO)
