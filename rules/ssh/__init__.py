"""ssh rules: OpenSSH server settings, judged on the effective configuration."""

from proxguard.rule import Rule
from proxguard.rules.ssh.high_max_auth_tries import RULE as HIGH_MAX_AUTH_TRIES
from proxguard.rules.ssh.password_auth_enabled import RULE as PASSWORD_AUTH_ENABLED
from proxguard.rules.ssh.root_ssh_password import RULE as ROOT_SSH_PASSWORD
from proxguard.rules.ssh.ssh_auth_bypass import RULE as SSH_AUTH_BYPASS
from proxguard.rules.ssh.ssh_banner import RULE as SSH_BANNER
from proxguard.rules.ssh.ssh_default_port import RULE as SSH_DEFAULT_PORT
from proxguard.rules.ssh.ssh_forwarding import RULE as SSH_FORWARDING
from proxguard.rules.ssh.ssh_session_limits import RULE as SSH_SESSION_LIMITS
from proxguard.rules.ssh.ssh_tcp_forwarding import RULE as SSH_TCP_FORWARDING
from proxguard.rules.ssh.ssh_weak_crypto import RULE as SSH_WEAK_CRYPTO

RULES: tuple[Rule, ...] = (
    ROOT_SSH_PASSWORD,
    SSH_DEFAULT_PORT,
    PASSWORD_AUTH_ENABLED,
    HIGH_MAX_AUTH_TRIES,
    # the extended catalogue (issue 12 items 9-12; extended profile only)
    SSH_AUTH_BYPASS,
    SSH_FORWARDING,
    SSH_TCP_FORWARDING,
    SSH_WEAK_CRYPTO,
    SSH_SESSION_LIMITS,
    SSH_BANNER,
)
