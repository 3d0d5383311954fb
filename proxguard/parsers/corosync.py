"""etc/pve/corosync.conf → CorosyncConf (nodelist addresses, totem options).

The format is corosync's own (corosync.conf(5)): `name {` opens a section, `}` closes
it, `key: value` sets a value, `#` starts a comment line. pve-cluster's parser
(PVE/Corosync.pm `parse_conf`) reads the same shape. Anything else is a warning with its
line and is skipped; an unbalanced brace is an error. Nesting and line count are bounded
(the file may come from a compromised host).
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import COROSYNC_CONF, Snapshot
from proxguard.model.corosync import CorosyncConf, CorosyncNode
from proxguard.model.manifest import Manifest

PATH = "etc/pve/corosync.conf"  # where pmxcfs keeps it; the collector looks only here
MAX_LINES = 100_000
MAX_DEPTH = 8
_OPEN = re.compile(r"([A-Za-z0-9_.-]+)\s*\{")
_KV = re.compile(r"([A-Za-z0-9_.-]+)\s*:\s*(.*?)")
_RING = re.compile(r"(?:ring|link)(\d{1,3})_addr")


def load(snapshot: Snapshot, diags: Diagnostics, manifest: Manifest | None = None
         ) -> CorosyncConf | None:
    """The supplied corosync.conf; else, when the collector's manifest says it looked and
    found none, an absent one (a single node); else None (not supplied: not assessed)."""
    files = snapshot.of_kind(COROSYNC_CONF)
    if files:
        return parse(files[0].path, files[0].text, diags)
    if manifest is not None and manifest.state(PATH) == "absent":
        return CorosyncConf(PATH, present=False)
    return None


def parse(path: str, text: str, diags: Diagnostics) -> CorosyncConf:
    out = CorosyncConf(path)
    stack: list[str] = []
    node: CorosyncNode | None = None
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        diags.error(path, MAX_LINES, f"more than {MAX_LINES} lines; the rest is ignored")
    for n, raw in enumerate(lines[:MAX_LINES], start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "}":
            if not stack:
                diags.error(path, n, "`}` closes no section; ignored")
                continue
            if stack.pop() == "node" and node is not None:
                _add_node(out, node, path, diags)
                node = None
            continue
        m = _OPEN.fullmatch(line)
        if m:
            if len(stack) >= MAX_DEPTH:
                diags.error(path, n, f"sections nested deeper than {MAX_DEPTH}; ignored")
            stack.append(m.group(1))
            if stack == ["nodelist", "node"]:
                node = CorosyncNode("", n)
            continue
        m = _KV.fullmatch(line)
        if m is None:
            diags.warning(path, n, "not a corosync.conf line (`key: value`, `name {` or `}`); "
                          "ignored")
            continue
        _assign(out, stack, node, m.group(1), m.group(2), n)
    if stack:
        diags.error(path, 0, f"section `{stack[-1]}` is never closed (missing `}}`)")
    return out


def _assign(out: CorosyncConf, stack: list[str], node: CorosyncNode | None, key: str,
            value: str, n: int) -> None:
    if stack == ["totem"]:
        out.totem[key] = (value, n)
    elif node is not None and stack == ["nodelist", "node"]:
        ring = _RING.fullmatch(key)
        if key == "name":
            node.name = value
        elif ring:
            node.addresses[int(ring.group(1))] = (value, n)


def _add_node(out: CorosyncConf, node: CorosyncNode, path: str, diags: Diagnostics) -> None:
    if not node.name:
        diags.warning(path, node.line, "node without `name:`; its addresses are not used")
    elif node.name in out.nodes:
        diags.warning(path, node.line, f"node {node.name} listed twice; the first is used")
    else:
        out.nodes[node.name] = node
