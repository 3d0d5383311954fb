"""Fleets: several hosts in one call, each audited on its own.

Why a package of its own: two hosts' files must never meet in one snapshot (a fresh
install's F and a hardened lab's A used to average into one wrong grade), so deciding
which PATH arguments form which host (hosts.py), running the audits side by side
(run.py) and assembling the `proxguard-fleet/1` document (report.py) sit above the
single-host pipeline and only call its public API.
"""
