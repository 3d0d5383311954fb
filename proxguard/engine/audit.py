"""audit(): the pipeline in one call — snapshot → host model → rules → score → report."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from proxguard.engine.acceptances import Acceptance
from proxguard.engine.collector import collector_paused
from proxguard.engine.evidence import annotate, evidence_section, required_categories
from proxguard.engine.profiles import PROFILES, Profile
from proxguard.engine.report import PendingScripts, build_report_pending
from proxguard.engine.run import Finding, profile_rules, run
from proxguard.engine.scoring import score
from proxguard.inputs import Snapshot
from proxguard.model.host import Host
from proxguard.model.sshd_access import Access
from proxguard.parsers.host import build_host
from proxguard.rules import ALL_RULES


@dataclass
class Report:
    """The audit result: the canonical JSON dict plus the objects it was built from (for
    the CLI's fix/explain paths and tests). The remediation scripts are rendered the
    first time the dict is asked for with them (`data`, `to_json()`); a consumer that
    shows none (the CLI's text, SARIF, JUnit and Markdown) asks `to_json(scripts=False)`
    and gets the same dict with `remediation.script` None on failing findings."""

    _data: dict[str, Any]
    findings: list[Finding]
    host: Host
    _pending: PendingScripts | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.to_json()

    def to_json(self, scripts: bool = True) -> dict[str, Any]:
        if scripts and self._pending is not None:
            self._pending.fill()
            self._pending = None
        return self._data

    def finding(self, rule_id: str) -> Finding:
        for f in self.findings:
            if f.rule.id == rule_id:
                return f
        raise KeyError(rule_id)

    @property
    def grade(self) -> str | None:
        return self._data["grade"]

    @property
    def score(self) -> int | None:
        return self._data["score"]


def load_snapshot(paths: Iterable[str | os.PathLike[str]]) -> Snapshot:
    return Snapshot.from_paths(paths)


def audit(snapshot: Snapshot, profile: str = "extended", now: int | None = None,
          acceptances: Sequence[Acceptance] = (), require: Sequence[str] | None = None) -> Report:
    """`require`: the categories that must be assessed (CLI --require); None means every
    category whose input was supplied. The report's `evidence` says which were not."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    with collector_paused():  # engine/collector.py: a third of a large audit's CPU
        return _audit(snapshot, PROFILES[profile], profile, now, acceptances, require)


def _audit(snapshot: Snapshot, prof: Profile, profile: str, now: int | None,
           acceptances: Sequence[Acceptance], require: Sequence[str] | None) -> Report:
    host = build_host(snapshot, now)
    findings = run(host, ALL_RULES, prof, acceptances)
    if host.access is not None:
        host.access.forget()  # the rules' memo; the report keeps the host
    annotate(findings, host)
    with_acc = score(findings, prof, honour_acceptances=True)
    without_acc = score(findings, prof, honour_acceptances=False)
    firewall = _firewall_section(host)
    data, pending = build_report_pending(host, prof, findings, with_acc, without_acc,
                                         acceptances, firewall, ssh_logins_section(host))
    explicit = require is not None
    if require is None:
        require = required_categories(profile_rules(ALL_RULES, prof), host.ungated or host)
    data["evidence"] = evidence_section(data["categories"], prof, require, host.unrecognised,
                                        {p: f.kind for p, f in snapshot.files.items()}, explicit)
    return Report(data, findings, host, pending)


def ssh_logins_section(host: Host) -> dict[str, Any] | None:
    """Who can log in over SSH how (DESIGN.md §7 `ssh_logins`), when sshd was supplied."""
    if host.sshd is None:
        return None
    try:
        return Access(host.sshd, host.unix_groups).table()
    except Exception as exc:  # the table must not take the audit down
        host.diagnostics.error("", 0, f"SSH login table failed ({type(exc).__name__}: {exc})")
        return None


def _firewall_section(host: Host) -> dict[str, Any] | None:
    """The conflict analysis, when a firewall was supplied."""
    if host.firewall is None:
        return None
    # imported here: an audit without a firewall file never loads the analysis (issue 14)
    from proxguard.firewall import analyse

    try:
        return analyse(host.firewall).to_json()
    except Exception as exc:
        host.diagnostics.error("", 0, f"firewall analysis failed ({type(exc).__name__}: {exc})")
        return None
