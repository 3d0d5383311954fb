"""Differential testing of the sshd model against OpenSSH's own `sshd -T` (issue 6)."""
