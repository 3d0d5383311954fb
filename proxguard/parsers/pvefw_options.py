"""[OPTIONS] lines per file type, with the value syntax each key really accepts
[FW parse_clusterfw_option / parse_hostfw_option / parse_vmfw_option; formats.md §1.3].

The iptables daemon matches `key: value` where nothing but whitespace may follow the
value; a line that does not match is ignored with "can't parse option". That is how
`enable: 1 # on` or `enable: yes` leave the firewall off, so each refusal names why.
"""

from __future__ import annotations

import re

from proxguard.model.firewall import CLUSTER, GUEST, HOST

_LEVELS = r"(?:emerg|alert|crit|err|warning|notice|info|debug|nolog)"
_BOOL = r"[01]"
_POLICY = r"(?i:ACCEPT|DROP|REJECT)"
_HELPERS = r"(?:amanda|ftp|irc|netbios-ns|pptp|sane|sip|snmp|tftp)"

# key → value regex (the value must match as a whole, after `:\s*`, before `\s*$`).
_CLUSTER: dict[str, str] = {
    "enable": r"\d+", "ebtables": _BOOL, "policy_in": _POLICY, "policy_out": _POLICY,
    "policy_forward": _POLICY, "log_ratelimit": r"\S+",
}
_HOST: dict[str, str] = {
    **{k: _BOOL for k in ("enable", "nosmurfs", "tcpflags", "ndp", "log_nf_conntrack",
                          "nf_conntrack_allow_invalid", "protection_synflood", "nftables")},
    **{k: f"(?:{_LEVELS})?" for k in ("log_level_in", "log_level_out", "log_level_forward",
                                      "tcp_flags_log_level", "smurf_log_level")},
    **{k: r"\d+" for k in ("nf_conntrack_max", "nf_conntrack_tcp_timeout_established",
                           "nf_conntrack_tcp_timeout_syn_recv", "protection_synflood_rate",
                           "protection_synflood_burst", "protection_limit")},
    "nf_conntrack_helpers": rf"(?:{_HELPERS}(?:,{_HELPERS})*)?",
}
_GUEST: dict[str, str] = {
    **{k: _BOOL for k in ("enable", "dhcp", "ndp", "radv", "macfilter", "ipfilter", "ips")},
    **{k: f"(?:{_LEVELS})?" for k in ("log_level_in", "log_level_out")},
    "policy_in": _POLICY, "policy_out": _POLICY, "ips_queues": r"\d+(?::\d+)?",
    "layer2_protocols": r"[A-Za-z0-9_]+(?:,[A-Za-z0-9_]+)*",
}
_TABLES = {CLUSTER: _CLUSTER, HOST: _HOST, GUEST: _GUEST}
_LINE = re.compile(r"([A-Za-z_]+):\s*(.*?)\s*", re.S)
# log_ratelimit's key match is case-sensitive in pve-firewall (no /i) [formats.md §1.3].
_CASE_SENSITIVE = {"log_ratelimit"}


def parse_option(kind: str, text: str) -> tuple[str | None, str | None, str | None]:
    """(key, value, None) when pve-firewall accepts the line, else (None, None, why)."""
    m = _LINE.fullmatch(text)
    if not m:
        hint = " (`=` is not accepted, use `key: value`)" if "=" in text else ""
        return None, None, f"option line not understood{hint}; Proxmox ignores it"
    key, value = m.group(1).lower(), m.group(2)
    table = _TABLES[kind]
    if key not in table or (key in _CASE_SENSITIVE and m.group(1) != key):
        return None, None, f"unknown option '{m.group(1)}' for a {kind} firewall file; " \
                           "Proxmox ignores it"
    if re.fullmatch(table[key], value):
        if key.startswith("policy_"):
            value = value.upper()
        elif key == "nf_conntrack_helpers":
            value = value.lower()
        return key, value, None
    return None, None, _why_refused(key, value, table[key])


def _why_refused(key: str, value: str, pattern: str) -> str:
    head = value.split("#", 1)[0].strip()
    if "#" in value and re.fullmatch(pattern, head):
        return (f"'{key}: {value}': a trailing comment is not allowed on an option line; "
                f"Proxmox ignores the whole line, so {key} keeps its default")
    if pattern in (_BOOL, r"\d+") and value.lower() in ("yes", "no", "true", "false", "on", "off"):
        return (f"'{key}: {value}': the iptables firewall accepts only 0 or 1; Proxmox "
                f"ignores the line, so {key} keeps its default")
    return f"'{key}: {value}' is not a valid value for {key}; Proxmox ignores the line"
