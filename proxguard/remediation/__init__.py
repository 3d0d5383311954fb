"""Remediation: each rule's script rendered for its failing targets (scripts), and the
combined fix-all script in a safe order (plan)."""
