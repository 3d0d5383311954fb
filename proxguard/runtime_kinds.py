"""The three kinds of file that show the *running* firewall, not its configuration.

`pve-firewall status`, `iptables-save` and `nft list ruleset` output, written by the
collector under `commands/` (issue 19). They live apart from inputs.py's configuration
kinds so the snapshot reader only registers them; their content patterns are anchored
per line and linear, because they run on untrusted text.
"""

from __future__ import annotations

import re

PVE_FIREWALL_STATUS = "pve_firewall_status"
IPTABLES_SAVE = "iptables_save"
NFT_RULESET = "nft_ruleset"

RUNTIME_KINDS: tuple[str, ...] = (PVE_FIREWALL_STATUS, IPTABLES_SAVE, NFT_RULESET)

RUNTIME_LABELS: dict[str, str] = {
    PVE_FIREWALL_STATUS: "pve-firewall status output",
    IPTABLES_SAVE: "an iptables-save dump",
    NFT_RULESET: "an nft list ruleset dump",
}

# Where the collector writes each one (the exact paths are the collector's contract).
RUNTIME_PATHS: dict[str, str] = {
    PVE_FIREWALL_STATUS: "commands/pve-firewall-status.txt",
    IPTABLES_SAVE: "commands/iptables-save.txt",
    NFT_RULESET: "commands/nft-list-ruleset.txt",
}

RUNTIME_PATH_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"commands/pve-firewall-status(?:\.[^/]*)?", PVE_FIREWALL_STATUS),
    (r"commands/iptables-save(?:\.[^/]*)?", IPTABLES_SAVE),
    (r"commands/nft-list-ruleset(?:\.[^/]*)?", NFT_RULESET),
)

_STATUS = re.compile(r"^Status: (?:enabled|disabled)/(?:running|stopped|unknown)\b", re.M)
_IPT_TABLE = re.compile(r"^\*(?:filter|nat|mangle|raw|security)[ \t]*\r?$", re.M)
_IPT_CHAIN = re.compile(r"^:[A-Za-z][\w-]* (?:ACCEPT|DROP|-) \[\d+:\d+\]", re.M)
_NFT_TABLE = re.compile(r"^table (?:ip|ip6|inet|arp|bridge|netdev) \S+ \{", re.M)


def detect_runtime_kind(head: str) -> str | None:
    """The running-firewall kind of a text, or None. Checked before the configuration
    kinds: a dump's `-A INPUT …` lines must never be mistaken for anything else."""
    if _STATUS.search(head):
        return PVE_FIREWALL_STATUS
    if _IPT_TABLE.search(head) and _IPT_CHAIN.search(head):
        return IPTABLES_SAVE
    if _NFT_TABLE.search(head):
        return NFT_RULESET
    return None
