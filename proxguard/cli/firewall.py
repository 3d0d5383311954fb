"""`proxguard firewall PATH…`: the firewall's chains, rule states, conflicts, packet trace.

An operator debugging "why is port 8006 open" needs the rules in the order the kernel
walks them, which rule masks which, and the line that decides one packet, without
running a full audit. The output is built from the same analysis the audit reports, so
the two never disagree. Exit codes follow the audit: 0 ran, 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from proxguard.firewall import analyse, trace
from proxguard.firewall.views import chain_views, load_firewall
from proxguard.inputs import InputError, Snapshot
from proxguard.render.environment import packet_text
from proxguard.render.escape import printable_tree


def add_firewall_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "firewall", help="list firewall chains, rule states and conflicts; trace a packet")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="directory laid out like the host root, collector tarball, or .fw files")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--packet", metavar="SPEC",
                   help="trace one packet, e.g. 'tcp 203.0.113.9:40000 -> 10.0.0.5:8006 in "
                        "[node/pve1|guest/100] [iface vmbr0]'")
    p.set_defaults(func=cmd_firewall)
    return p


def build(paths: list[str], packet: str | None) -> dict[str, Any]:
    """Everything the command shows, as JSON-able data. Raises InputError/ValueError
    (→ exit 2) when there is no firewall file or the packet spec is not understood."""
    snap = Snapshot.from_paths(paths)
    cfg, diags = load_firewall(snap)
    if cfg is None:
        raise InputError(f"{' '.join(paths)}: no Proxmox firewall file found (expected "
                         "etc/pve/firewall/cluster.fw, etc/pve/nodes/<node>/host.fw or "
                         "etc/pve/firewall/<vmid>.fw)")
    analysis = analyse(cfg)
    out: dict[str, Any] = {
        "chains": chain_views(cfg, analysis), "conflicts": analysis.conflicts,
        "unenforced": [r for r in analysis.rules if not r["enforced"]],
        "unmodelled": analysis.unmodelled,
        "diagnostics": [d.to_json() for d in diags if d.file.startswith("etc/pve/")],
    }
    if packet is not None:
        result = trace(cfg, packet)
        if "error" in result:
            raise ValueError(f"--packet: {result['error']}")
        raws = {r.id: r.raw.strip(" \t\r") for r in cfg.all_rules()}
        for res in result["results"]:
            res["text"] = raws.get(res["would_decide"], "")
        out["trace"] = result
    return out


def cmd_firewall(args: argparse.Namespace) -> int:
    data = build(list(args.paths), args.packet)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(data))
    return 0


def render_text(data: dict[str, Any]) -> str:
    data = printable_tree(data)  # rule text and comments may hold terminal escapes
    lines: list[str] = []
    if "trace" in data:
        lines += [*_trace_text(data["trace"]), ""]
    for ch in data["chains"]:
        lines += [*_chain_text(ch), ""]
    lines += _conflicts_text(data["conflicts"])
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
