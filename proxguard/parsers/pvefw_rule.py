"""One firewall rule line → FwRule, replaying pve-firewall's `parse_fw_rule`.

A line Proxmox refuses to parse is dropped by Proxmox with a warning; we keep it with an
`errors` entry so the operator sees the rule they believe is active is not. Plain `re`
on purpose: this runs once per rule line (20k lines must parse in well under 0.5 s).
"""

from __future__ import annotations

import re

from proxguard.model.firewall import FwRule
from proxguard.parsers.pvefw_macros import lookup
from proxguard.parsers.pvefw_names import LOG_LEVELS

_HEAD = re.compile(r"(\|)?(\S+)\s+(\S+)\s*")
_GROUP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]+")
_MACRO = re.compile(r"(\S+)\((ACCEPT|DROP|REJECT)\)")
# Each option flag is followed by exactly ONE literal space [formats.md §1.4].
_OPT = re.compile(r"(-i|-p|--?proto|--?dport|--?sport|--?source|--?dest|--?log|--?icmp-type) (\S+)\s*")
_FIELD = {"-i": "iface", "-p": "proto", "proto": "proto", "dport": "dport", "sport": "sport",
          "source": "source", "dest": "dest", "log": "log", "icmp-type": "icmp_type"}
# The few words that fill most rule fields, as shared constants: a rule set of 200,000
# lines otherwise holds a fresh copy of "in", "ACCEPT" and "tcp" per rule (~30 MB).
_COMMON = {w: w for w in ("in", "out", "forward", "group", "ACCEPT", "DROP", "REJECT", "tcp",
                          "udp", "icmp", "icmpv6", "ipv6-icmp", "nolog", "info", "debug")}
_DIRECTIONS = {"rules": ("in", "out", "forward", "group"),
               "guest": ("in", "out", "group"),
               "group": ("in", "out", "forward")}


def parse_rule(raw: str, *, file: str, line: int, scope: str, index: int, env: str,
               group: str | None = None) -> FwRule:
    """`env` is "rules" (cluster/host [RULES]), "guest" or "group" ([GROUP x])."""
    text = raw.strip(" \t\r\n\f\v")
    rule = FwRule(file=file, line=line, scope=scope, index=index, enabled=True,
                  direction="", action="", group=group, raw=raw)
    body, hash_, comment = text.partition("#")
    if hash_:
        rule.comment = comment.strip() or None
    body = body.strip()
    m = _HEAD.match(body)
    if not m:
        rule.errors.append("unable to parse rule: expected `DIRECTION ACTION [options]`")
        return rule
    rule.enabled = m.group(1) is None
    direction, action = m.group(2).lower(), m.group(3)
    rule.direction, rule.action = _COMMON.get(direction, direction), _COMMON.get(action, action)
    rest = body[m.end():]
    if rule.direction not in _DIRECTIONS[env]:
        where = {"rules": "this file", "guest": "a guest file",
                 "group": "a security group"}[env]
        rule.errors.append(f"direction '{m.group(2)}' is not allowed in {where}")
        return rule
    if rule.direction == "group":
        _parse_group_line(rule, rest)
        return rule
    if not _parse_action(rule):
        return rule
    _parse_options(rule, rest)
    if rule.direction == "forward" and rule.action == "REJECT":
        rule.errors.append("REJECT is not allowed for FORWARD rules")
    return rule


def _parse_group_line(rule: FwRule, rest: str) -> None:
    if not _GROUP_NAME.fullmatch(rule.action):
        rule.errors.append(f"invalid security group name '{rule.action}'")
    _parse_options(rule, rest)
    extra = [k for k in ("proto", "dport", "sport", "source", "dest", "log", "icmp_type")
             if getattr(rule, k) is not None]
    if extra:
        rule.errors.append("a GROUP rule takes only `-i`; also given: "
                           + ", ".join("-" + k.replace("_", "-") for k in extra))


def _parse_action(rule: FwRule) -> bool:
    action = rule.action
    if action in ("ACCEPT", "DROP", "REJECT"):
        return True
    m = _MACRO.fullmatch(action)
    if m:
        macro = lookup(m.group(1))
        rule.action = m.group(2)
        if macro is None:
            rule.macro = m.group(1)
            rule.errors.append(f"unknown macro '{m.group(1)}'")
            return True
        rule.macro = macro.name
        return True
    if action.upper() in ("ACCEPT", "DROP", "REJECT") or _MACRO.fullmatch(
            re.sub(r"\((\w+)\)$", lambda x: f"({x.group(1).upper()})", action)):
        rule.errors.append(f"action '{action}' must be upper-case (ACCEPT, DROP, REJECT): "
                           "the iptables firewall refuses this rule")
    else:
        rule.errors.append(f"unknown action '{action}'")
    return False


def _parse_options(rule: FwRule, rest: str) -> None:
    pos = 0
    while pos < len(rest):
        m = _OPT.match(rest, pos)
        if not m:
            rule.errors.append(_why_unparsable(rest[pos:]))
            return
        flag = m.group(1).lstrip("-") if m.group(1) != "-i" else "-i"
        if flag == "p":
            flag = "-p"
        value = m.group(2)
        setattr(rule, _FIELD[flag], _COMMON.get(value, value))  # a repeat overwrites (§1.4)
        pos = m.end()
    if rule.log is not None and rule.log not in LOG_LEVELS:
        rule.errors.append(f"invalid log level '{rule.log}'")


def _why_unparsable(rest: str) -> str:
    head = rest.split()[0] if rest.split() else rest
    if re.match(r"--?iface\b|-iface\b", rest):
        return (f"unable to parse rule parameters at '{head}': the iptables firewall accepts "
                "only `-i` for the interface (`--iface` is nftables-only)")
    if re.match(r"(-i|-p|--?\w[\w-]*)[ \t]{2,}|(-i|-p|--?\w[\w-]*)\t", rest) and _OPT.match(
            re.sub(r"^(\S+)\s+", r"\1 ", rest)):
        return (f"unable to parse rule parameters at '{head}': exactly one space must follow "
                "an option flag")
    return f"unable to parse rule parameters at '{rest.strip()}' (unknown option)"
