"""`proxguard firewall PATH…`: the firewall's chains, rule states, conflicts, packet trace.

An operator debugging "why is port 8006 open" needs the rules in the order the kernel
walks them, which rule masks which, and the line that decides one packet, without
running a full audit. The output is built from the same analysis the audit reports, so
the two never disagree. Exit codes follow the audit: 0 ran, 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from typing import Any

from proxguard.firewall import analyse, trace
from proxguard.firewall.views import chain_views, guest_ports, load_network, local_network_view
from proxguard.firewall.zones import is_path_spec, path
from proxguard.fleet.hosts import require_one_host
from proxguard.inputs import InputError, Snapshot
from proxguard.render.environment import packet_text
from proxguard.render.escape import printable_tree
from proxguard.render.paths import local_network_text, path_text, ports_text


def add_firewall_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "firewall", help="list firewall chains, rule states and conflicts; trace a packet")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="directory laid out like the host root, collector tarball, or .fw files")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--packet", metavar="SPEC",
                   help="a packet between zones, hop by hop: 'tcp ct120 -> 198.51.100.7:443' "
                        "(zones host, node/NAME, outside, ctN, vmN, ctN.netM, addresses, "
                        "zone@address; options iface X, state new|established|invalid, "
                        "mac MAC); or one chain: 'tcp 203.0.113.9 -> 10.0.0.5:8006 in "
                        "[node/pve1|guest/100] [iface vmbr0]'")
    p.add_argument("--local-network", metavar="CIDR",
                   help="the node's local_network when cluster.fw has no such alias (Proxmox "
                        "then detects it on the host; without this it is assumed and said so)")
    p.set_defaults(func=cmd_firewall)
    return p


def build(paths: list[str], packet: str | None, local_network: str | None = None
          ) -> dict[str, Any]:
    """Everything the command shows, as JSON-able data. Raises InputError/ValueError
    (→ exit 2) when there is no firewall file or the packet spec is not understood."""
    require_one_host(paths, "firewall")
    snap = Snapshot.from_paths(paths)
    local_network = _cidr(local_network)
    net, diags = load_network(snap, local_network)
    if net is None:
        raise InputError(f"{' '.join(paths)}: no Proxmox firewall file found (expected "
                         "etc/pve/firewall/cluster.fw, etc/pve/nodes/<node>/host.fw or "
                         "etc/pve/firewall/<vmid>.fw)")
    cfg = net.cfg
    analysis = analyse(cfg, local_network)
    out: dict[str, Any] = {
        "local_network": local_network_view(cfg, local_network),
        "chains": chain_views(cfg, analysis, local_network),
        "guest_ports": guest_ports(net),
        "conflicts": analysis.conflicts,
        "unenforced": [r for r in analysis.rules if not r["enforced"]],
        "unmodelled": analysis.unmodelled,
        "diagnostics": [d.to_json() for d in diags if d.file.startswith("etc/pve/")],
    }
    if packet is not None and is_path_spec(packet):
        result = path(net, packet)
        if "error" in result:
            raise ValueError(f"--packet: {result['error']}")
        out["path"] = result
    elif packet is not None:
        result = trace(cfg, packet, local_network)
        if "error" in result:
            raise ValueError(f"--packet: {result['error']}")
        raws = {r.id: r.raw.strip(" \t\r") for r in cfg.all_rules()}
        for res in result["results"]:
            res["text"] = raws.get(res["would_decide"], "")
        out["trace"] = result
    return out


def _cidr(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValueError(f"--local-network: '{text}' is not a CIDR such as 192.168.40.0/24") \
            from None


def cmd_firewall(args: argparse.Namespace) -> int:
    data = build(list(args.paths), args.packet, args.local_network)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(data))
    return 0


def render_text(data: dict[str, Any]) -> str:
    data = printable_tree(data)  # rule text and comments may hold terminal escapes
    lines: list[str] = []
    if "path" in data:
        lines += [*path_text(data["path"]), ""]
    if "trace" in data:
        lines += [*_trace_text(data["trace"]), ""]
    for ch in data["chains"]:
        lines += [*_chain_text(ch), ""]
    lines += [*ports_text(data["guest_ports"]), ""]
    lines += _conflicts_text(data["conflicts"])
    lines += ["", local_network_text(data["local_network"])]
    if data["unmodelled"]:
        lines += ["", "Not modelled (left out of the analysis, never guessed):"]
        lines += [f"  {u['rule']}: {u['reason']}" for u in data["unmodelled"]]
    return "\n".join(lines).rstrip("\n") + "\n"


def _chain_text(ch: dict[str, Any]) -> list[str]:
    head = f"Chain {ch['name']}"
    head += " (active)" if ch["active"] else f" (inactive: {ch['inactive_reason']})"
    out = [head]
    width = max((len(e["state"]) for e in ch["entries"]), default=2)
    idw = max((len(e["id"]) for e in ch["entries"]), default=2)
    for e in ch["entries"]:
        where = f"{e['file']}:{e['line']}" if e["line"] else f"{e['file']} (default)"
        via = f"  [via {e['via']}]" if e["via"] else ""
        # one numbering everywhere: the rule id carries the API's 0-based position
        out.append(f"  {e['id']:<{idw}}  {e['state']:<{width}}  {e['text']}  ({where}){via}")
    return out


def _conflicts_text(conflicts: list[dict[str, Any]]) -> list[str]:
    if not conflicts:
        return ["Conflicts: none proven."]
    notes = sum(1 for c in conflicts if c.get("note"))
    out = [f"Conflicts ({len(conflicts) - notes}" + (f", plus {notes} note(s)" if notes else "")
           + "):"]
    for c in conflicts:
        where = f"{c['file']}:{c['line']}" if c["file"] else ""
        out.append(f"  [{c['severity']}] {c['type']} {c['rule']} ({where})")
        out.append(f"      {c['message']}")
        for p in c["examples"]:
            out.append(f"      example packet: {packet_text(p)}")
        if c["chains"]:
            out.append(f"      in: {', '.join(c['chains'])}")
    return out


def _trace_text(t: dict[str, Any]) -> list[str]:
    out = [f"Packet {packet_text(t['packet'])} ({t['direction'].upper()}):"]
    if not t["results"]:
        out.append("  no chain of these files sees this packet (direction/IP version/scope)")
    for r in t["results"]:
        out.append(f"  {r['sentence']}")
        if r["line"]:
            out.append(f"      deciding line {r['file']}:{r['line']}: {r['text']}")
        for u in r["unmodelled"]:
            out.append(f"      caution: {u['rule']} was not modelled ({u['reason']})")
    return out
