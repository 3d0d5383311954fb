"""ssh rules: OpenSSH server settings, judged on the effective configuration."""

from proxguard.rule import Rule
from proxguard.rules.ssh.high_max_auth_tries import RULE as HIGH_MAX_AUTH_TRIES
from proxguard.rules.ssh.password_auth_enabled import RULE as PASSWORD_AUTH_ENABLED
from proxguard.rules.ssh.root_ssh_password import RULE as ROOT_SSH_PASSWORD
from proxguard.rules.ssh.ssh_default_port import RULE as SSH_DEFAULT_PORT

RULES: tuple[Rule, ...] = (
    ROOT_SSH_PASSWORD,
    SSH_DEFAULT_PORT,
    PASSWORD_AUTH_ENABLED,
    HIGH_MAX_AUTH_TRIES,
)
