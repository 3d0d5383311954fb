"""Steps the fix plan adds on its own so that it never locks the operator out.

The plan is judged as a whole (tests/test_fix_plan_lockout.py replays every step on the
stub harness and re-evaluates the firewall): the admin address must reach 8006 and the
SSH port at every step. The one step no single rule's fix can see coming is the SSH
port change: while the firewall is on, sshd moving to a port nothing accepts cuts the
operator off at once. So before `ssh-default-port` runs, the plan accepts the port it
moves to (for the admin's address, at the top of the cluster rules); the later accepts
(firewall-disabled, default-accept-input…) read the port sshd really listens on then.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.scripts import render_template
from proxguard.remediation.shellenv import ShellSafe

PORT_RULE = "ssh-default-port"
GUARD_RULE = "ssh-port-accept"  # the label of the added step (not a catalogue rule)
# the firewall rules' own accept fragment, for the new port
PORT_ACCEPT = "firewall/_port_accept.sh.j2"


def new_ssh_ports(findings: Sequence[Finding], chosen: set[str] | None
                  ) -> list[tuple[int, TargetOutcome]]:
    """(port, its target) for each port the plan's SSH port fix will move sshd to."""
    out: list[tuple[int, TargetOutcome]] = []
    for f in findings:
        if f.rule.id != PORT_RULE or (chosen is not None and PORT_RULE not in chosen):
            continue
        for t in f.failing:
            port = t.result.facts.get("new_port")
            if isinstance(port, int) and 0 < port < 65536 and port not in [p for p, _ in out]:
                out.append((port, t))
    return out


def port_accept_script(port: int, outcome: TargetOutcome) -> ShellSafe:
    """The accept step for `port`, rendered with the firewall rules' own fragment."""
    return render_template(PORT_ACCEPT, outcome.result, {"new_port": port})
