"""Name tables pve-firewall resolves at rule-verification time.

Proxmox reads /etc/protocols and /etc/services from the host and its own ICMP type
tables [FW get_etc_protocols, get_etc_services, $icmp_type_names, $icmpv6_type_names].
We ship a snapshot of Debian netbase's common entries; a host may carry extra names, so
an unknown *service* name is reported as unverifiable rather than as a Proxmox error.
ICMP codes (e.g. port-unreachable) are kept as their type number: the box model of the
analysis matches on type only, which makes code-specific rules broader than they are.
"""

from __future__ import annotations

# netbase /etc/protocols: name → number (names are also accepted upper-case, the
# aliases column of that file).
PROTOCOLS: dict[str, int] = {
    "ip": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "st": 5, "tcp": 6, "egp": 8,
    "igp": 9, "pup": 12, "udp": 17, "hmp": 20, "xns-idp": 22, "rdp": 27, "iso-tp4": 29,
    "dccp": 33, "xtp": 36, "ddp": 37, "idpr-cmtp": 38, "ipv6": 41, "ipv6-route": 43,
    "ipv6-frag": 44, "idrp": 45, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "skip": 57,
    "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "rspf": 73, "vmtp": 81,
    "eigrp": 88, "ospf": 89, "ax.25": 93, "ipip": 94, "etherip": 97, "encap": 98,
    "pim": 103, "ipcomp": 108, "vrrp": 112, "l2tp": 115, "isis": 124, "sctp": 132,
    "fc": 133, "mobility-header": 135, "udplite": 136, "mpls-in-ip": 137, "manet": 138,
    "hip": 139, "shim6": 140, "wesp": 141, "rohc": 142, "ethernet": 143,
    "icmpv6": 58,  # not in /etc/protocols; pve-firewall accepts it explicitly
}

# Protocols that carry ports [formats.md §1.4: tcp/udp/udplite/dccp/sctp, 6,17,33,132,136].
PORT_PROTOCOLS: frozenset[int] = frozenset({6, 17, 33, 132, 136})
ICMP4 = 1
ICMP6 = 58

# netbase /etc/services (tcp/udp share the numbers for these names).
SERVICES: dict[str, int] = {
    "tcpmux": 1, "echo": 7, "discard": 9, "systat": 11, "daytime": 13, "netstat": 15,
    "qotd": 17, "chargen": 19, "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23,
    "smtp": 25, "time": 37, "whois": 43, "tacacs": 49, "domain": 53, "gopher": 70,
    "finger": 79, "http": 80, "kerberos": 88, "iso-tsap": 102, "acr-nema": 104,
    "pop3": 110, "sunrpc": 111, "auth": 113, "nntp": 119, "ntp": 123, "epmap": 135,
    "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139, "imap2": 143,
    "snmp": 161, "snmp-trap": 162, "cmip-man": 163, "cmip-agent": 164, "mailq": 174,
    "bgp": 179, "smux": 199, "qmtp": 209, "z3950": 210, "ipx": 213, "ptp-event": 319,
    "ptp-general": 320, "pawserv": 345, "zserv": 346, "rpc2portmap": 369,
    "codaauth2": 370, "clearcase": 371, "ldap": 389, "svrloc": 427, "https": 443,
    "snpp": 444, "microsoft-ds": 445, "kpasswd": 464, "submissions": 465, "saft": 487,
    "isakmp": 500, "rtsp": 554, "nqs": 607, "asf-rmcp": 623, "qmqp": 628, "ipp": 631,
    "ldp": 646, "exec": 512, "biff": 512, "login": 513, "who": 513, "shell": 514,
    "syslog": 514, "printer": 515, "talk": 517, "ntalk": 518, "route": 520,
    "gdomap": 538, "uucp": 540, "klogin": 543, "kshell": 544, "dhcpv6-client": 546,
    "dhcpv6-server": 547, "afpovertcp": 548, "nntps": 563, "submission": 587,
    "ldaps": 636, "tinc": 655, "silc": 706, "kerberos-adm": 749, "domain-s": 853,
    "rsync": 873, "ftps-data": 989, "ftps": 990, "telnets": 992, "imaps": 993,
    "pop3s": 995, "socks": 1080, "proofd": 1093, "rootd": 1094, "openvpn": 1194,
    "rmiregistry": 1099, "lotusnote": 1352, "ms-sql-s": 1433, "ms-sql-m": 1434,
    "ingreslock": 1524, "datametrics": 1645, "sa-msg-port": 1646, "kermit": 1649,
    "groupwise": 1677, "l2f": 1701, "radius": 1812, "radius-acct": 1813,
    "cisco-sccp": 2000, "nfs": 2049, "gnunet": 2086, "rtcm-sc104": 2101,
    "gsigatekeeper": 2119, "gris": 2135, "cvspserver": 2401, "venus": 2430,
    "venus-se": 2431, "codasrv": 2432, "codasrv-se": 2433, "mon": 2583,
    "dict": 2628, "f5-globalsite": 2792, "gsiftp": 2811, "gpsd": 2947,
    "gds-db": 3050, "icpv2": 3130, "isns": 3205, "iscsi-target": 3260, "mysql": 3306,
    "ms-wbt-server": 3389, "nut": 3493, "distcc": 3632, "daap": 3689, "svn": 3690,
    "suucp": 4031, "sysrqd": 4094, "sieve": 4190, "epmd": 4369, "remctl": 4373,
    "f5-iquery": 4353, "ntske": 4460, "ipsec-nat-t": 4500, "iax": 4569, "mtn": 4691,
    "radmin-port": 4899, "sip": 5060, "sip-tls": 5061, "xmpp-client": 5222,
    "xmpp-server": 5269, "cfengine": 5308, "mdns": 5353, "postgresql": 5432,
    "freeciv": 5556, "amqps": 5671, "amqp": 5672, "x11": 6000, "mysql-proxy": 6446,
    "bacula-dir": 9101, "bacula-fd": 9102, "bacula-sd": 9103, "xmms2": 9667,
    "nbd": 10809, "zabbix-agent": 10050, "zabbix-trapper": 10051, "amanda": 10080,
    "dicom": 11112, "hkp": 11371, "db-lsp": 17500, "dcap": 22125, "gsidcap": 22128,
    "wnn6": 22273, "http-alt": 8080, "git": 9418, "webmin": 10000, "bootps": 67,
    "bootpc": 68, "tftp": 69, "spamd": 783,
}

# ICMP type names → type number (codes collapse to their type; see module doc).
ICMP_TYPES: dict[str, int] = {
    "any": -1, "echo-reply": 0, "pong": 0, "destination-unreachable": 3,
    "network-unreachable": 3, "host-unreachable": 3, "protocol-unreachable": 3,
    "port-unreachable": 3, "fragmentation-needed": 3, "source-route-failed": 3,
    "network-unknown": 3, "host-unknown": 3, "network-prohibited": 3,
    "host-prohibited": 3, "TOS-network-unreachable": 3, "TOS-host-unreachable": 3,
    "communication-prohibited": 3, "host-precedence-violation": 3,
    "precedence-cutoff": 3, "source-quench": 4, "redirect": 5, "network-redirect": 5,
    "host-redirect": 5, "TOS-network-redirect": 5, "TOS-host-redirect": 5,
    "echo-request": 8, "ping": 8, "router-advertisement": 9, "router-solicitation": 10,
    "time-exceeded": 11, "ttl-exceeded": 11, "ttl-zero-during-transit": 11,
    "ttl-zero-during-reassembly": 11, "parameter-problem": 12, "ip-header-bad": 12,
    "required-option-missing": 12, "timestamp-request": 13, "timestamp-reply": 14,
    "address-mask-request": 17, "address-mask-reply": 18,
}
ICMPV6_TYPES: dict[str, int] = {
    "destination-unreachable": 1, "no-route": 1, "communication-prohibited": 1,
    "beyond-scope": 1, "address-unreachable": 1, "port-unreachable": 1,
    "failed-policy": 1, "reject-route": 1, "packet-too-big": 2, "time-exceeded": 3,
    "ttl-exceeded": 3, "ttl-zero-during-transit": 3, "ttl-zero-during-reassembly": 3,
    "parameter-problem": 4, "bad-header": 4, "unknown-header-type": 4,
    "unknown-option": 4, "echo-request": 128, "ping": 128, "echo-reply": 129,
    "pong": 129, "router-solicitation": 133, "router-advertisement": 134,
    "neighbour-solicitation": 135, "neighbor-solicitation": 135,
    "neighbour-advertisement": 136, "neighbor-advertisement": 136, "redirect": 137,
}

LOG_LEVELS: frozenset[str] = frozenset(
    {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "nolog"})


def protocol_number(name: str) -> int | None:
    """The protocol number pve-firewall would accept for `-p name`, or None."""
    if name.isdigit():
        n = int(name)
        return n if n <= 255 else None
    n = PROTOCOLS.get(name)
    if n is None and name.isupper():
        n = PROTOCOLS.get(name.lower())
    return n
