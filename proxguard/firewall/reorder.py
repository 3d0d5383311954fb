"""Reordering one scope's rules: the permuted file text, and what the move changed.

The Firewall tab lets an operator drag a rule; the new order is written back into the
file's own text (each rule line moves as it was written) and the analysis re-run, and
the conflicts are compared by the rules' identity before the move, because rule ids are
positions and a moved rule's id changes. Errors are ValueErrors with a sentence for the
page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxguard.model.firewall import FirewallConfig, FwFile, FwRule


def section(cfg: FirewallConfig, scope: str) -> tuple[FwFile, list[FwRule]]:
    """The file holding a scope's rules and the rules of that section, in file order."""
    kind, _, name = scope.partition("/")
    fw: FwFile | None = None
    rules: list[FwRule] = []
    if scope == "cluster" and cfg.cluster is not None:
        fw, rules = cfg.cluster, cfg.cluster.rules
    elif kind == "node" and name in cfg.hosts:
        fw, rules = cfg.hosts[name], cfg.hosts[name].rules
    elif kind == "guest" and name in cfg.guests:
        fw, rules = cfg.guests[name], cfg.guests[name].rules
    elif kind == "group" and cfg.cluster is not None and name in cfg.cluster.groups:
        fw, rules = cfg.cluster, cfg.cluster.groups[name].rules
    if fw is None:
        raise ValueError(f"unknown firewall scope {scope!r}")
    return fw, rules


def reorder_text(fw: FwFile, rules: list[FwRule], order: list[str]) -> str:
    """The file's text with the section's rule lines permuted. Each rule line moves as it
    was written (options, trailing comment, CR); every other line, comments between rules
    included, stays where it is, byte for byte."""
    ids = [r.id for r in rules]
    if sorted(order) != sorted(ids):
        raise ValueError("`order` must list each rule id of the scope exactly once "
                         f"(expected {len(ids)} ids: {', '.join(ids)})")
    by_id = {r.id: r for r in rules}
    lines = fw.text.split("\n")  # the parser's own split [proxguard/parsers/pvefw.py]
    for slot, rid in zip([r.line for r in rules], order, strict=True):
        lines[slot - 1] = by_id[rid].raw
    return "\n".join(lines)


def moved(rules: list[FwRule], order: list[str]) -> list[dict[str, Any]]:
    pos = {r.id: i for i, r in enumerate(rules)}
    by_id = {r.id: r for r in rules}
    # 0-based like the API's `pos`/`moveto` and the rule ids: one numbering everywhere
    return [{"text": by_id[rid].raw.strip(" \t\r"), "from": pos[rid], "to": i}
            for i, rid in enumerate(order) if pos[rid] != i]


def _key(c: Mapping[str, Any], old_of: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]]:
    return (c["type"], old_of.get(c["rule"], c["rule"]),
            tuple(sorted(old_of.get(b, b) for b in c["by"])))


def diff_conflicts(before: list[dict[str, Any]], after: list[dict[str, Any]],
                   old_of: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(conflicts gone after the move, conflicts new after it). `old_of` maps a moved
    rule's new id to its id before the move."""
    ident = {v: v for v in old_of.values()}
    old_keys = {_key(c, ident) for c in before}
    new_keys = {_key(c, old_of) for c in after}
    fixed = [c for c in before if _key(c, ident) not in new_keys]
    broke = [c for c in after if _key(c, old_of) not in old_keys]
    return fixed, broke
