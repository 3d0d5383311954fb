"""Proxmox firewall files → FirewallConfig, read the way pve-firewall reads them.

The iptables daemon's `generic_fw_config_parser` is the reference [FW src/PVE/Firewall.pm;
formats.md §1]: headers are case-insensitive but must be the whole line (so `[OPTIONS]\\r`
is not a header), option lines take no trailing comment, booleans are 0/1 only, and
unrecognised lines are skipped with a warning. A security auditor must judge what the
daemon enforces, not what the text seems to say, so every such line becomes a diagnostic
with its file and line, and the model keeps it (with `errors`) for the report.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import CLUSTER_FW, GUEST_FW, HOST_FW, Snapshot
from proxguard.model.firewall import (
    CLUSTER,
    GUEST,
    HOST,
    FirewallConfig,
    FwAlias,
    FwFile,
    FwGroup,
    FwIpset,
    FwIpsetEntry,
    FwOption,
)
from proxguard.parsers.pvefw_options import parse_option
from proxguard.parsers.pvefw_rule import parse_rule
from proxguard.parsers.pvefw_values import cidr_family
from proxguard.parsers.pvefw_verify import verify_rule

_PLAIN_HEADER = re.compile(r"\[(options|rules|aliases)\]", re.I)
_NAMED_HEADER = re.compile(r"\[(ipset|group)\s+(\S+)\]\s*(?:#\s*(.*?)\s*)?$", re.I)
_NAME_OK = re.compile(r"[A-Za-z][A-Za-z0-9_-]+")
_NAME_MAX = {"ipset": 64, "group": 18}  # [formats.md §1.2]
_SECTIONS = {CLUSTER: {"options", "rules", "aliases", "ipset", "group"},
             HOST: {"options", "rules"},
             GUEST: {"options", "rules", "aliases", "ipset"}}
_HOST_PATH = re.compile(r"etc/pve/(?:nodes/([^/]+)|(local))/host\.fw")
_GUEST_PATH = re.compile(r"etc/pve/firewall/(\d+)\.fw")


def load(snapshot: Snapshot, diags: Diagnostics) -> FirewallConfig | None:
    """None when the snapshot holds no firewall file at all (rules: not_evaluated)."""
    cluster_files = snapshot.of_kind(CLUSTER_FW)
    host_files = snapshot.of_kind(HOST_FW)
    guest_files = snapshot.of_kind(GUEST_FW)
    if not (cluster_files or host_files or guest_files):
        return None
    cfg = FirewallConfig()
    for f in cluster_files:
        cfg.cluster = parse_file(f.path, f.text, CLUSTER, "cluster", diags)
        opt = cfg.cluster.options.get("enable")
        if opt is not None and int(opt.value) > 1:
            # formats.md §1.3: >1 is the API's rollback timestamp, honoured for 60 s only
            diags.warning(f.path, opt.line, f"enable: {opt.value} is an enable-with-rollback "
                          "timestamp; pve-firewall turns it off 60 s after it was written, "
                          "so this audit treats the firewall as off")
    for f in host_files:
        m = _HOST_PATH.fullmatch(f.path)
        node = (m.group(1) or m.group(2)) if m else "local"
        if node in cfg.hosts:
            diags.warning(f.path, 0, f"host.fw of node '{node}' given twice; this copy is used")
        cfg.hosts[node] = parse_file(f.path, f.text, HOST, node, diags)
    for f in guest_files:
        m = _GUEST_PATH.fullmatch(f.path)
        vmid = m.group(1) if m else "0"
        cfg.guests[vmid] = parse_file(f.path, f.text, GUEST, vmid, diags)
    verify(cfg, diags)
    return cfg


def verify(cfg: FirewallConfig, diags: Diagnostics) -> None:
    """Resolve references across files and report every rule Proxmox will not enforce."""
    for f in cfg.files():
        rules = list(f.rules)
        for g in f.groups.values():
            rules.extend(g.rules)
        for rule in rules:
            parse_errors = len(rule.errors)
            notes = verify_rule(rule, f, cfg.cluster) if not rule.errors else []
            for note in notes:
                diags.info(rule.file, rule.line, note)
            if rule.errors:
                what = "rule is not enforced" if rule.enabled else "disabled rule is invalid"
                if parse_errors:
                    what = "Proxmox cannot parse this rule; it is dropped"
                diags.error(rule.file, rule.line, f"{what}: {'; '.join(rule.errors)}")


class _Reader:
    """State of one file's parse: the current section and what it collects into."""

    def __init__(self, fw: FwFile, diags: Diagnostics) -> None:
        self.fw = fw
        self.diags = diags
        self.section: str | None = None
        self.target: FwIpset | FwGroup | None = None
        self.skipping = False  # inside an ipset/group with an invalid name
        self.seen: dict[tuple[str, int], set[str]] = {}  # entries per set definition

    def header(self, text: str, lineno: int) -> bool:
        m = _PLAIN_HEADER.fullmatch(text)
        named = None if m else _NAMED_HEADER.fullmatch(text)
        if not m and not named:
            return False
        kind = (m or named).group(1).lower()  # type: ignore[union-attr]
        if kind not in _SECTIONS[self.fw.kind]:
            self.diags.warning(self.fw.path, lineno,
                               f"section [{kind.upper()}] is not valid in a {self.fw.kind} "
                               "firewall file; Proxmox reads this line as content of the "
                               "previous section")
            return False
        self.section, self.target, self.skipping = kind, None, False
        if named:
            self._named(kind, named.group(2), named.group(3), lineno, text)
        return True

    def _named(self, kind: str, name: str, comment: str | None, lineno: int, raw: str) -> None:
        if not _NAME_OK.fullmatch(name) or len(name) > _NAME_MAX[kind]:
            self.skipping = True
            self.diags.warning(self.fw.path, lineno,
                               f"invalid {kind} name '{name}'; Proxmox skips this whole section")
            return
        lname = name.lower()  # names are lower-cased at definition [formats.md §1.2]
        table = self.fw.ipsets if kind == "ipset" else self.fw.groups
        if lname in table:
            self.diags.warning(self.fw.path, lineno,
                               f"[{kind.upper()} {lname}] defined again; the earlier "
                               f"definition (line {table[lname].line}) is discarded")
        obj: FwIpset | FwGroup = (FwIpset(lname, lineno, comment or None, raw=raw)
                                  if kind == "ipset" else
                                  FwGroup(lname, lineno, comment or None, raw=raw))
        table[lname] = obj  # type: ignore[assignment]
        self.target = obj

    def content(self, raw: str, text: str, lineno: int) -> None:
        if self.section is None:
            self.diags.warning(self.fw.path, lineno, "line before any section header; "
                               "Proxmox skips it")
            return
        if self.skipping:
            return
        if self.section == "options":
            self._option(raw, text, lineno)
        elif self.section in ("rules", "group"):
            self._rule(raw, lineno)
        elif self.section == "aliases":
            self._alias(raw, text, lineno)
        else:
            self._ipset_entry(raw, text, lineno)

    def _option(self, raw: str, text: str, lineno: int) -> None:
        nft_key, sep, nft_value = text.partition(":")
        if sep and nft_key.strip():  # proxmox-ve-config `split_key_value` (nftables daemon)
            self.fw.raw_options[nft_key.strip()] = FwOption(nft_key.strip(), nft_value.strip(),
                                                            lineno, raw)
        key, value, problem = parse_option(self.fw.kind, text)
        if problem:
            self.diags.warning(self.fw.path, lineno, problem)
            return
        assert key is not None and value is not None
        self.fw.options[key] = FwOption(key, value, lineno, raw)  # last wins (§1.2)

    def _rule(self, raw: str, lineno: int) -> None:
        group = self.target if isinstance(self.target, FwGroup) else None
        rules = group.rules if group else self.fw.rules
        scope = f"group/{group.name}" if group else self.fw.scope
        env = "group" if group else ("guest" if self.fw.kind == GUEST else "rules")
        rules.append(parse_rule(raw, file=self.fw.path, line=lineno, scope=scope,
                                index=len(rules), env=env,
                                group=group.name if group else None))

    def _alias(self, raw: str, text: str, lineno: int) -> None:
        body, _, comment = text.partition("#")
        body = body.rstrip(" \t\r")
        # exactly one whitespace character between name and address [formats.md §1.8]
        m = re.fullmatch(r"(\S+)\s(\S+)", body)
        if not m:
            self.diags.warning(self.fw.path, lineno,
                               "alias line not understood (expected `name address`, with "
                               "exactly one space); Proxmox ignores it")
            return
        name, addr = m.group(1).lower(), m.group(2)
        alias = FwAlias(name, re.sub(r"/(32|128)$", "", addr), lineno,
                        comment.strip() or None, raw=raw)
        if not _NAME_OK.fullmatch(name) or cidr_family(addr) is None:
            self.diags.warning(self.fw.path, lineno,
                               f"invalid alias '{m.group(1)} {addr}'; Proxmox ignores it")
            return
        if name in self.fw.aliases:
            self.diags.info(self.fw.path, lineno, f"alias '{name}' redefined; this one is used")
        self.fw.aliases[name] = alias

    def _ipset_entry(self, raw: str, text: str, lineno: int) -> None:
        assert isinstance(self.target, FwIpset)
        body, _, comment = text.partition("#")
        m = re.fullmatch(r"(!)?\s*(\S+)", body.strip(" \t\r"))
        if not m:
            self.diags.warning(self.fw.path, lineno, "ipset entry not understood; "
                               "Proxmox ignores it")
            return
        entry = FwIpsetEntry(m.group(2), m.group(1) is not None, lineno,
                             comment.strip() or None, raw=raw)
        fam = cidr_family(entry.address)
        if fam is not None and entry.address.endswith("/0"):
            entry.errors.append("a /0 entry is rejected")
        elif fam is None and not re.fullmatch(r"(?:(?:dc|guest)/)?[A-Za-z][A-Za-z0-9_-]+",
                                              entry.address):
            entry.errors.append(f"invalid ipset entry '{entry.address}'")
        seen = self.seen.setdefault((self.target.name, self.target.line), set())
        if entry.address in seen:
            entry.errors.append(f"duplicate entry '{entry.address}'")
        seen.add(entry.address)
        if entry.errors:
            self.diags.warning(self.fw.path, lineno,
                               f"ipset {self.target.name}: {'; '.join(entry.errors)}; "
                               "this entry is not used")
        self.target.entries.append(entry)


def parse_file(path: str, text: str, kind: str, name: str, diags: Diagnostics) -> FwFile:
    fw = FwFile(path=path, kind=kind, name=name, text=text)
    reader = _Reader(fw, diags)
    for lineno, raw in enumerate(text.split("\n"), start=1):
        # only horizontal whitespace is trimmed: a trailing \r stays [formats.md §1.2]
        stripped = raw.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if reader.header(stripped, lineno):
            continue
        if _looks_like_crlf_header(stripped):
            diags.warning(path, lineno,
                          f"section header {stripped[:-1]} ends with a carriage return (CRLF "
                          "file); Proxmox does not recognise it, so this section is ignored")
            if reader.section is None:
                continue
        reader.content(raw, stripped, lineno)
    return fw


def _looks_like_crlf_header(text: str) -> bool:
    return text.endswith("\r") and _PLAIN_HEADER.fullmatch(text[:-1].rstrip(" \t")) is not None
