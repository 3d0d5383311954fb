"""/etc/default/pveproxy as pveproxy reads it: who may reach the API, and its TLS settings.

pveproxy sources the file with bash and keeps only a fixed set of variables
(pve-http-server PVE/APIServer/Utils.pm read_proxy_config); the access check itself is
AnyEvent.pm check_host_access. The lists are kept as written; the rule evaluates them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
KEYS = ("LISTEN_IP", "ALLOW_FROM", "DENY_FROM", "POLICY", "CIPHERS", "CIPHERSUITES",
        "DHPARAMS", "TLS_KEY_FILE", "HONOR_CIPHER_ORDER", "COMPRESSION", "DISABLE_TLS_1_2",
        "DISABLE_TLS_1_3")


@dataclass(slots=True)
class PveproxyConfig:
    file: str
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # key → (value, line)
    # keys whose value the file sets in a way only bash can evaluate ($(…), $VAR, export
    # of an unknown value…): their effective value is unknown
    opaque: dict[str, int] = field(default_factory=dict)  # key → line
    present: bool = True  # False: the collector saw no file (every default applies)

    def get(self, key: str) -> str | None:
        item = self.values.get(key)
        return item[0] if item else None

    def line_of(self, key: str) -> int:
        item = self.values.get(key)
        return item[1] if item else 0


def networks(value: str) -> tuple[list[Network], list[str]]:
    """An ALLOW_FROM/DENY_FROM list as read_proxy_config splits it (on `,`, `all` = 0/0 and
    ::/0); the entries Net::IP rejects are returned apart (pveproxy dies on them)."""
    out: list[Network] = []
    bad: list[str] = []
    if not value:  # read_proxy_config skips an empty value: the list is unset
        return out, bad
    for word in value.split(",")[:10_000]:
        if word == "all":
            out += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            if "-" in word:  # Net::IP also takes a range `first-last`
                first, last = (ipaddress.ip_address(x.strip()) for x in word.split("-", 1))
                out += list(ipaddress.summarize_address_range(first, last))  # type: ignore[arg-type]
            else:
                out.append(ipaddress.ip_network(word, strict=False))
        except (ValueError, TypeError):
            bad.append(word)
    return out, bad
