"""Text for the path model: a packet's hops, the guest ports, the local_network used.

Shared by `proxguard firewall` and the Firewall tab's plain-text parts. Hop sentences
may quote names from config files (bridges, node names), so control characters are
replaced (the HTML goes through the autoescaped templates).
"""

from __future__ import annotations

from typing import Any

from proxguard.render.environment import packet_text
from proxguard.render.logins import clean


def path_text(p: dict[str, Any]) -> list[str]:
    head = f"Path {clean(p['from'])} → {clean(p['to'])}: {packet_text(p['packet'])}"
    if p.get("state", "new") != "new":
        head += f" (state {p['state']})"
    out = [head + f" — {p['decision']}"]
    for i, h in enumerate(p["hops"], 1):
        out.append(f"  {i}. {clean(h['sentence'])}")
    if p["hops"] and p["decision"] != "ACCEPT":
        out.append(f"  decided at hop {len(p['hops'])}; later hops are not reached")
    out += [f"  note: {clean(n)}" for n in p.get("notes", [])]
    return out


def ports_text(ports: list[dict[str, Any]]) -> list[str]:
    if not ports:
        return ["Guest ports: no guest config supplied."]
    out = ["Guest ports (chain built for the NIC, or why not):"]
    for gp in ports:
        state = "guest chain" if gp["chain"] else f"no chain ({gp['reason']})"
        filt = f", ipfilter {'on' if gp['ipfilter'] else 'off'}, macfilter " \
               f"{'on' if gp['macfilter'] else 'off'}" if gp["chain"] else ""
        out.append(clean(f"  {gp['port']} on {gp['bridge'] or '?'}: {state}{filt}"))
    return out


def local_network_text(ln: dict[str, Any]) -> str:
    return clean(f"local_network: {ln['value'] or 'unknown'} ({ln['source']})")
