"""pgstub's sectioned .fw files: options, rules by position and ipsets, read and written
the way pve-firewall's API does (rules renumbered by position, comments kept).
"""

from __future__ import annotations

import re
from pathlib import Path

from pgstub_common import die, read


def fw_sections(text: str) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    # split on \n only: a CRLF header "[OPTIONS]\r" is not a section header for PVE
    for line in text.rstrip("\n").split("\n") if text else []:
        if re.match(r"^[ \t]*\[[^\]]+\][ \t]*(#.*)?$", line):
            sections.append((line.strip().split("]")[0][1:].strip().upper(), [line]))
        else:
            sections[-1][1].append(line)
    return sections


def fw_write(path: Path, sections: list[tuple[str, list[str]]]) -> None:
    lines = [line for _, body in sections for line in body]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def fw_section(sections: list[tuple[str, list[str]]], name: str) -> list[str]:
    for head, body in sections:
        if head == name:
            return body
    body = [f"[{name}]", ""]
    if name == "OPTIONS":
        sections.insert(1, ("OPTIONS", body))
    else:
        # the list that is stored is the one returned: a rule added to a file without
        # [RULES] must not go into a detached copy (the first pvesh create was lost)
        sections[-1][1].append("")  # a blank line before the new header
        sections.append((name, body))
    return body


def fw_options(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    if not path.exists():
        return out
    for head, body in fw_sections(read(path)):
        if head != "OPTIONS":
            continue
        for line in body[1:]:
            m = re.match(r"^\s*([a-z_]+)\s*:\s*(\S+)\s*$", line)
            if m:
                v = m.group(2)
                out[m.group(1)] = int(v) if v.isdigit() else v
    return out


def fw_set_options(path: Path, values: dict[str, str]) -> None:
    sections = fw_sections(read(path) if path.exists() else "")
    body = fw_section(sections, "OPTIONS")
    for key, value in values.items():
        hits = [i for i, line in enumerate(body) if re.match(rf"^\s*{re.escape(key)}\s*:", line)]
        for i in reversed(hits[1:]):  # PVE writes each option once
            body.pop(i)
        if hits:
            body[hits[0]] = f"{key}: {value}"
        else:
            at = len(body)
            while at > 1 and not body[at - 1].strip():
                at -= 1
            body.insert(at, f"{key}: {value}")
    fw_write(path, sections)


_RULE = re.compile(r"^(\|)?\s*(IN|OUT|FORWARD|GROUP)\s+(\S+)(.*?)(?:#\s*(.*))?$", re.I)


def fw_parse_rule(line: str, pos: int) -> dict[str, object] | None:
    """A rule line as `pvesh get …/rules` reports it; None for a line PVE would drop."""
    m = _RULE.match(line.strip())
    if not m:
        return None
    rule: dict[str, object] = {"pos": pos, "type": m.group(2).lower(),
                               "enable": 0 if m.group(1) else 1}
    action = m.group(3)
    mm = re.match(r"^(\w+)\((\w+)\)$", action)
    if mm:
        rule["macro"], rule["action"] = mm.group(1), mm.group(2)
    else:
        rule["action"] = action
    words = m.group(4).split()
    for flag, value in zip(words[::2], words[1::2], strict=False):
        name = {"p": "proto", "i": "iface"}.get(flag.lstrip("-"), flag.lstrip("-"))
        rule[name] = value
    if m.group(5):
        rule["comment"] = m.group(5).strip()
    return rule


# PVE::Firewall::format_rule: `|` when disabled, TYPE, action or MACRO(action), then the
# options in this order, then ` # comment`.
_RULE_FLAGS = (("iface", "-i"), ("source", "-source"), ("dest", "-dest"), ("proto", "-p"),
               ("icmp-type", "-icmp-type"), ("dport", "-dport"), ("sport", "-sport"),
               ("log", "-log"))


def fw_format_rule(rule: dict[str, object]) -> str:
    action = str(rule.get("action", "ACCEPT"))
    if rule.get("macro"):
        action = f"{rule['macro']}({action})"
    parts = [("" if str(rule.get("enable", "0")) == "1" else "|")
             + str(rule.get("type", "in")).upper(), action]
    for key, flag in _RULE_FLAGS:
        if rule.get(key):
            parts += [flag, str(rule[key])]
    return " ".join(parts) + (f" # {rule['comment']}" if rule.get("comment") else "")


def fw_rule_lines(body: list[str]) -> list[int]:
    """Indexes in a section body of the lines that are rules, in position order."""
    return [i for i, line in enumerate(body[1:], start=1)
            if fw_parse_rule(line, 0) is not None]


def fw_rules(path: Path, section: str = "RULES") -> list[dict[str, object]]:
    if not path.exists():
        return []
    out: list[dict[str, object]] = []
    for head, body in fw_sections(read(path)):
        if head != section:
            continue
        for i in fw_rule_lines(body):
            rule = fw_parse_rule(body[i], len(out))
            if rule is not None:
                out.append(rule)
    return out


def fw_edit_rule(path: Path, section: str, pos: int, verb: str, o: dict[str, str]) -> None:
    """pvesh set|delete …/rules/<pos>: edit, move (`--moveto`) or drop one rule line."""
    if not path.exists():
        die(f"no rule at position {pos}")
    sections = fw_sections(read(path))
    body = next((b for h, b in sections if h == section), None)
    idx = fw_rule_lines(body) if body is not None else []
    if body is None or pos >= len(idx):
        die(f"no rule at position {pos}")
        raise AssertionError
    line = body[idx[pos]]
    if verb == "delete":
        body.pop(idx[pos])
    else:
        rule = fw_parse_rule(line, pos) or {}
        for key in [k for k in o.pop("delete", "").split(",") if k]:
            rule.pop(key, None)
        moveto = o.pop("moveto", None)
        o.pop("digest", None)
        rule.update(o)
        body[idx[pos]] = fw_format_rule(rule)
        if moveto is not None and int(moveto) != pos:
            # PVE (API2/Firewall/Rules.pm): the rule goes before the rule that held
            # position `moveto` before the move, or last when moveto is past the end
            at = idx[int(moveto)] if int(moveto) < len(idx) else idx[-1] + 1
            moved = body[idx[pos]]
            body.insert(at, moved)
            body.pop(idx[pos] + (1 if at <= idx[pos] else 0))
    fw_write(path, sections)


def fw_add_rule(path: Path, o: dict[str, str], section: str = "RULES") -> None:
    """pvesh create …/rules: PVE puts a rule without --pos at the top (position 0)."""
    line = fw_format_rule(o)
    sections = fw_sections(read(path) if path.exists() else "")
    body = fw_section(sections, section)
    at = 1
    while at < len(body) and not body[at].strip():
        at += 1
    body.insert(at, line)
    fw_write(path, sections)


def fw_ipset(path: Path, name: str) -> list[dict[str, object]]:
    if not path.exists():
        return []
    for head, body in fw_sections(read(path)):
        if head.split()[:2] == ["IPSET", name.upper()]:
            entries = []
            for line in body[1:]:
                cidr, _, comment = line.partition("#")
                if cidr.strip():
                    e: dict[str, object] = {"cidr": cidr.strip().lstrip("!")}
                    if cidr.strip().startswith("!"):
                        e["nomatch"] = 1
                    if comment.strip():
                        e["comment"] = comment.strip()
                    entries.append(e)
            return entries
    return []


def fw_ipset_delete(path: Path, name: str, cidr: str) -> None:
    """`pvesh delete .../ipset/<name>/<cidr>`: the entry's line goes (PVE fails when absent)."""
    sections = fw_sections(read(path))
    for head, body in sections:
        if head.split()[:2] == ["IPSET", name.upper()]:
            for i, line in enumerate(body[1:], 1):
                if line.partition("#")[0].strip().lstrip("!") == cidr:
                    body.pop(i)
                    fw_write(path, sections)
                    return
    die(f"no such IP/Network '{cidr}' in ipset '{name}'")
