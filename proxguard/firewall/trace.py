"""`trace`: what pve-firewall does with one packet, and which line decides it."""

from __future__ import annotations

from typing import Any

from proxguard.firewall.evaluate import evaluate
from proxguard.firewall.explain import parse_packet_spec
from proxguard.firewall.normalise import build_chains
from proxguard.model.firewall import FirewallConfig


def trace(cfg: FirewallConfig, packet_spec: str, local_network: str | None = None) -> dict[str, Any]:
    """Run one packet through every matching chain (each node's host chain, or the guest
    named in the spec). Returns {"packet", "results": [{chain, active, decision, rule,
    file, line, matched}], "error"?}; a bad spec gives {"error": message}."""
    try:
        packet, direction, scope = parse_packet_spec(packet_spec)
    except ValueError as exc:
        return {"error": str(exc)}
    results = []
    for ch in build_chains(cfg, local_network):
        if ch.family != packet.family or ch.direction != direction:
            continue
        if scope is None and ch.scope.startswith("guest/"):
            continue
        if scope is not None and ch.scope != scope:
            continue
        v = evaluate(ch, packet)
        unmodelled = [{"rule": r.id, "reason": why} for r, why in ch.unmodelled]
        decision = v.action if ch.active else "ACCEPT"
        results.append({
            "chain": ch.name, "active": ch.active,
            "inactive_reason": ch.why_inactive or None,
            "decision": decision,
            "rule": v.entry.id if ch.active else None,
            "file": v.entry.file, "line": v.entry.line,
            "would_decide": v.entry.id,
            "matched": list(v.matched),
            "unmodelled": unmodelled,
            "sentence": _sentence(ch.name, ch.active, ch.why_inactive, v.entry.id, v.action,
                                  v.entry.file, v.entry.line),
        })
    return {"packet": packet.to_json(), "direction": direction, "results": results}


def _sentence(chain: str, active: bool, why: str, rule: str, action: str, file: str,
              line: int) -> str:
    where = f"{file}:{line}" if line else f"{file} (default)"
    if not active:
        return f"{chain}: not filtered ({why}); if it were, {rule} ({where}) would {action} it."
    return f"{chain}: {action} by {rule} ({where})."
