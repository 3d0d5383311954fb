"""The fix-all script: the chosen remediations combined in a safe order, each one isolated.

Why a plan and not a concatenation: the incumbent's combined script died at fix 11 of 16
because one fragment's "nothing to do; exit 0" ended the whole script, and it changed SSH
without first making sure the firewall let the operator back in. Here every fix runs in
its own subshell with its own `set -eu` and is reported on its own; fixes are ordered by
phase so the management path stays open at every step (accept rules before policies,
policies before enabling the firewall, the SSH port change after the accept rules); and a
dry run prints every command that would change something instead of running it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.guard import GUARD_RULE, PORT_RULE, new_ssh_ports, port_accept_script
from proxguard.remediation.scripts import RemediationError, render_target
from proxguard.remediation.shellenv import ShellSafe, render
from proxguard.version import __version__


@dataclass(frozen=True, slots=True)
class Phase:
    """A step of the safe order. `guard`: a failure here stops the run, because the
    phases after it assume the state it was meant to leave (e.g. enabling the firewall
    after the accept for the new SSH port failed would lock the operator out)."""

    order: int
    id: str
    title: str
    guard: bool


PHASES: tuple[Phase, ...] = (
    Phase(10, "firewall-accepts", "firewall accept rules", True),
    Phase(20, "firewall-rules", "other firewall rule changes", True),
    Phase(30, "sshd", "sshd settings", True),
    Phase(40, "ssh-port", "SSH port", True),
    Phase(50, "firewall-policy", "firewall policies", True),
    Phase(60, "firewall-enable", "enabling the firewall", True),
    Phase(70, "access", "users, tokens and permissions", False),
    Phase(80, "containers", "containers", False),
    Phase(90, "storage", "storage", False),
)
_BY_ID = {p.id: p for p in PHASES}

# Rules whose place is not simply their category's (issue 5: "firewall accepts before
# policies, policies before enabling; SSH port change after the firewall accept").
_RULE_PHASE = {
    "no-firewall-rules": "firewall-accepts",
    "ssh-default-port": "ssh-port",
    "default-accept-input": "firewall-policy",
    "firewall-disabled": "firewall-enable",
}
# Every category of proxguard.rule.CATEGORY_TABLE has its place (tests/test_vocabulary.py).
CATEGORY_PHASE = {"ssh": "sshd", "firewall": "firewall-rules", "auth": "access",
                  "api": "access", "container": "containers", "storage": "storage"}


def phase_of(rule_id: str, category: str) -> Phase:
    return _BY_ID[_RULE_PHASE.get(rule_id) or CATEGORY_PHASE[category]]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One failing target's standalone script, placed in the combined run."""

    rule: str
    target: str
    phase: Phase
    script: ShellSafe  # rendered by the shell environment, so the fix-all may embed it as is
    error: str | None = None  # the template could not be rendered
    # A step the plan adds for another fix's safety: chosen with that (rule, target)
    parent: tuple[str, str] | None = None

    def chosen_by(self, chosen: set[tuple[str, str]]) -> bool:
        """Is this step part of a selection of (rule, target) pairs?"""
        return (self.rule, self.target) in chosen or self.parent in chosen

    @property
    def label(self) -> str:
        return f"{self.rule} {self.target}"

    @property
    def disruption(self) -> str:
        """The fix's own `# Disruption:` header line, for the combined header."""
        m = re.search(r"^#\s*Disruption:\s*(.+)$", self.script, re.MULTILINE)
        return m.group(1).strip() if m else "see the fix's header"


def _natural(s: str) -> tuple[object, ...]:
    """ct/99 before ct/100: target ids sort by their numbers, not their digits."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s))


def plan(findings: Sequence[Finding], rules: Iterable[str] | None = None) -> list[Fragment]:
    """Fragments for the unaccepted failing targets of the chosen rules, in safe order.

    Accepted targets are never fixed: an acceptance records that the risk is wanted."""
    chosen = set(rules) if rules is not None else None
    out: list[tuple[tuple[object, ...], Fragment]] = []
    for index, finding in enumerate(findings):
        if chosen is not None and finding.rule.id not in chosen:
            continue
        phase = phase_of(finding.rule.id, finding.rule.category)
        for outcome in finding.failing:
            frag = _fragment(finding, outcome, phase)
            out.append(((phase.order, index, _natural(outcome.result.id)), frag))
    out.extend(_guard_steps(findings, chosen))
    return [f for _, f in sorted(out, key=lambda kf: kf[0])]


def _guard_steps(findings: Sequence[Finding], chosen: set[str] | None
                 ) -> list[tuple[tuple[object, ...], Fragment]]:
    """The plan's own accept of the new SSH port, after the other accepts and before the
    port change (proxguard/fix_guard.py says why)."""
    phase = _BY_ID["firewall-accepts"]
    out: list[tuple[tuple[object, ...], Fragment]] = []
    for port, outcome in new_ssh_ports(findings, chosen):
        try:
            script, error = port_accept_script(port, outcome), None
        except RemediationError as exc:
            script, error = ShellSafe(""), str(exc)
        out.append(((phase.order, len(findings), (port,)),
                    Fragment(GUARD_RULE, f"tcp/{port}", phase, script, error,
                             parent=(PORT_RULE, outcome.result.id))))
    return out


def _fragment(finding: Finding, outcome: TargetOutcome, phase: Phase) -> Fragment:
    rule, target = finding.rule.id, outcome.result.id
    try:
        script = render_target(finding, outcome)
    except RemediationError as exc:
        return Fragment(rule, target, phase, ShellSafe(""), str(exc))
    if not script.strip():
        return Fragment(rule, target, phase, ShellSafe(""), "the rule has no remediation script")
    return Fragment(rule, target, phase, script)


# -- the combined script -------------------------------------------------------------------

# Commands that change the host, and the sub-commands of each that only read. In a dry
# run the fix-all script shadows each with a shell function: reads run for real (the fixes
# need them to decide what they would do), everything else is printed instead.
READ_ONLY: dict[str, tuple[str, ...]] = {
    "pct": ("config", "list", "status", "pending", "listsnapshot", "df", "help"),
    "qm": ("config", "list", "status", "pending", "listsnapshot", "showcmd", "help"),
    "pvesh": ("get", "ls", "usage", "help"),
    "pvesm": ("status", "list", "path", "scan", "help"),
    "pve-firewall": ("status", "compile", "localnet", "simulate", "help"),
    "systemctl": ("is-active", "is-enabled", "is-failed", "status", "show", "cat", "list-units"),
}
ALWAYS_PRINTED = ("vzdump", "cp", "mv", "rm", "rmdir", "mkdir", "install", "chmod",
                  "chown", "ln", "touch", "truncate", "exportfs", "pvecm")


@dataclass(frozen=True, slots=True)
class Context:
    """What the header says about where the script comes from."""

    source: str
    profile: str
    audit_time: int
    skipped_accepted: tuple[str, ...] = ()


def combine(fragments: Sequence[Fragment], ctx: Context, *, dry_run: bool = False) -> ShellSafe:
    """The fix-all script (template proxguard/fix_all.sh.j2). `dry_run` only changes the
    default of PROXGUARD_DRY_RUN, so a saved script can still be run either way."""
    when = dt.datetime.fromtimestamp(ctx.audit_time, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return render("fix_all.sh.j2", fragments=list(fragments), ctx=ctx, dry_run=dry_run,
                  version=__version__, when=when, read_only=list(READ_ONLY.items()),
                  always_printed=ALWAYS_PRINTED)
