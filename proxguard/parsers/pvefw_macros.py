"""The 86 Proxmox firewall macros as data [formats.md §1.7; FW $pve_fw_macros,
$pve_ipv6fw_macros; DOC generated/pve-firewall-macros.adoc].

A macro rule `IN SSH(ACCEPT)` expands into one sub-rule per template, in order, each
merged with the user's own options. As in Proxmox, an ICMP type is carried in `dport`.
`v6` replaces the IPv4 templates in the IPv6 ruleset (Ping, Trcrt) or is the only
expansion (DHCPv6, NeighborDiscovery, whose `v4` is empty: IPv6-only macros).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class T:
    """One template line: protocol (name or number) and optional port/type specs."""

    proto: str
    dport: str | None = None
    sport: str | None = None


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    description: str
    v4: tuple[T, ...]
    v6: tuple[T, ...] | None = None

    def templates(self, family: int) -> tuple[T, ...]:
        """Templates for the IPv4 (4) or IPv6 (6) ruleset."""
        if family == 6 and self.v6 is not None:
            return self.v6
        return self.v4

    @property
    def ipv6_only(self) -> bool:
        return not self.v4


M = Macro

_ALL: tuple[Macro, ...] = (
    M('Amanda', 'Amanda Backup', (T('udp', '10080'), T('tcp', '10080'),)),
    M('Auth', 'Auth (identd) traffic', (T('tcp', '113'),)),
    M('BGP', 'Border Gateway Protocol traffic', (T('tcp', '179'),)),
    M('BitTorrent', 'BitTorrent ≤3.1', (T('tcp', '6881:6889'), T('udp', '6881'),)),
    M('BitTorrent32', 'BitTorrent ≥3.2', (T('tcp', '6881:6999'), T('udp', '6881'),)),
    M('Ceph', 'Ceph mon (v1/v2), OSD, MDS', (T('tcp', '6789'), T('tcp', '3300'), T('tcp', '6800:7300'),)),
    M('Citrix', 'Citrix/ICA', (T('tcp', '1494'), T('udp', '1604'), T('tcp', '2598'),)),
    M('CVS', 'CVS pserver', (T('tcp', '2401'),)),
    M('DAAP', 'DAAP (iTunes)', (T('tcp', '3689'), T('udp', '3689'),)),
    M('DCC', 'Distributed Checksum Clearinghouse', (T('tcp', '6277'),)),
    M('DHCPfwd', 'forwarded DHCP', (T('udp', '67:68', '67:68'),)),
    M('Distcc', 'distcc', (T('tcp', '3632'),)),
    M('DNS', 'DNS', (T('udp', '53'), T('tcp', '53'),)),
    M('Finger', 'Finger', (T('tcp', '79'),)),
    M('FTP', 'FTP (control only; data needs conntrack helper `ftp`)', (T('tcp', '21'),)),
    M('Git', 'git daemon', (T('tcp', '9418'),)),
    M('GNUnet', 'GNUnet', (T('tcp', '2086'), T('udp', '2086'), T('tcp', '1080'), T('udp', '1080'),)),
    M('GRE', 'GRE', (T('47', None),)),
    M('HKP', 'OpenPGP key server', (T('tcp', '11371'),)),
    M('HTTP', 'HTTP', (T('tcp', '80'),)),
    M('HTTPS', 'HTTPS', (T('tcp', '443'),)),
    M('ICPV2', 'ICP v2 (Squid)', (T('udp', '3130'),)),
    M('ICQ', 'AIM/ICQ', (T('tcp', '5190'),)),
    M('IMAP', 'IMAP', (T('tcp', '143'),)),
    M('IMAPS', 'IMAPS', (T('tcp', '993'),)),
    M('IPIP', 'IPIP', (T('94', None),)),
    M('IPsec', 'IPsec ESP', (T('udp', '500', '500'), T('50', None),)),
    M('IPsecah', 'IPsec AH', (T('udp', '500', '500'), T('51', None),)),
    M('IPsecnat', 'IPsec + NAT-T', (T('udp', '500'), T('udp', '4500'), T('50', None),)),
    M('IRC', 'IRC', (T('tcp', '6667'),)),
    M('Jetdirect', 'HP Jetdirect', (T('tcp', '9100'),)),
    M('L2TP', 'L2TP', (T('udp', '1701'),)),
    M('LDAP', 'LDAP', (T('tcp', '389'),)),
    M('LDAPS', 'LDAPS', (T('tcp', '636'),)),
    M('Mail', 'SMTP, SMTPS, Submission', (T('tcp', '25'), T('tcp', '465'), T('tcp', '587'),)),
    M('MDNS', 'multicast DNS', (T('udp', '5353'),)),
    M('MSNP', 'MS Notification Protocol', (T('tcp', '1863'),)),
    M('MSSQL', 'MS SQL Server', (T('tcp', '1433'),)),
    M('Munin', 'Munin', (T('tcp', '4949'),)),
    M('MySQL', 'MySQL', (T('tcp', '3306'),)),
    M('NNTP', 'NNTP', (T('tcp', '119'),)),
    M('NNTPS', 'NNTPS', (T('tcp', '563'),)),
    M('NTP', 'NTP', (T('udp', '123'),)),
    M('OpenVPN', 'OpenVPN', (T('udp', '1194'),)),
    M('OSPF', 'OSPF', (T('89', None),)),
    M('PCA', 'pcAnywhere', (T('udp', '5632'), T('tcp', '5631'),)),
    M('Ping', 'ICMP echo request', (T('icmp', 'echo-request'),), v6=(T('icmpv6', 'echo-request'),)),
    M('PMG', 'Proxmox Mail Gateway web UI (same port as PVE API)', (T('tcp', '8006'),)),
    M('POP3', 'POP3', (T('tcp', '110'),)),
    M('POP3S', 'POP3S', (T('tcp', '995'),)),
    M('PostgreSQL', 'PostgreSQL', (T('tcp', '5432'),)),
    M('PPtP', 'PPTP', (T('47', None), T('tcp', '1723'),)),
    M('Printer', 'LPD', (T('tcp', '515'),)),
    M('Razor', 'Razor antispam', (T('tcp', '2703'),)),
    M('Rdate', 'rdate', (T('tcp', '37'),)),
    M('RDP', 'RDP', (T('tcp', '3389'),)),
    M('RIP', 'RIP', (T('udp', '520'),)),
    M('RNDC', 'BIND rndc', (T('tcp', '953'),)),
    M('Rsync', 'rsync daemon', (T('tcp', '873'),)),
    M('SANE', 'SANE', (T('tcp', '6566'),)),
    M('SixXS', 'SixXS tunnel broker', (T('tcp', '3874'), T('udp', '3740'), T('41', None), T('udp', '5072,8374'),)),
    M('SMB', 'SMB/CIFS', (T('udp', '135,445'), T('udp', '137:139'), T('udp', '1024:65535', '137'), T('tcp', '135,139,445'),)),
    M('SMBswat', 'SWAT', (T('tcp', '901'),)),
    M('SMTP', 'SMTP', (T('tcp', '25'),)),
    M('SMTPS', 'SMTPS', (T('tcp', '465'),)),
    M('SNMP', 'SNMP', (T('udp', '161:162'), T('tcp', '161'),)),
    M('SPAMD', 'SpamAssassin', (T('tcp', '783'),)),
    M('SPICEproxy', 'PVE SPICE proxy', (T('tcp', '3128'),)),
    M('Squid', 'Squid', (T('tcp', '3128'),)),
    M('SSH', 'SSH', (T('tcp', '22'),)),
    M('Submission', 'mail submission', (T('tcp', '587'),)),
    M('SVN', 'svnserve', (T('tcp', '3690'),)),
    M('Syslog', 'syslog', (T('udp', '514'), T('tcp', '514'),)),
    M('Telnet', 'Telnet', (T('tcp', '23'),)),
    M('Telnets', 'Telnet over TLS', (T('tcp', '992'),)),
    M('TFTP', 'TFTP', (T('udp', '69'),)),
    M('Time', 'RFC 868 time', (T('tcp', '37'),)),
    M('Trcrt', 'traceroute', (T('udp', '33434:33524'), T('icmp', 'echo-request'),), v6=(T('udp', '33434:33524'), T('icmpv6', 'echo-request'),)),
    M('VNC', 'VNC displays 0–99', (T('tcp', '5900:5999'),)),
    M('VNCL', 'VNC listen mode', (T('tcp', '5500'),)),
    M('Web', 'HTTP+HTTPS', (T('tcp', '80'), T('tcp', '443'),)),
    M('Webcache', 'web cache 8080', (T('tcp', '8080'),)),
    M('Webmin', 'Webmin', (T('tcp', '10000'),)),
    M('Whois', 'whois', (T('tcp', '43'),)),
    M('DHCPv6', 'DHCPv6', (), v6=(T('udp', '546:547', '546:547'),)),
    M('NeighborDiscovery', 'NDP', (), v6=(T('icmpv6', 'router-solicitation'), T('icmpv6', 'router-advertisement'), T('icmpv6', 'neighbor-solicitation'), T('icmpv6', 'neighbor-advertisement'),)),
)

MACROS: dict[str, Macro] = {m.name: m for m in _ALL}
_BY_LOWER: dict[str, Macro] = {m.name.lower(): m for m in _ALL}


def lookup(name: str) -> Macro | None:
    """Macro names are matched case-insensitively and normalised to their canonical
    spelling [formats.md §1.4]."""
    return _BY_LOWER.get(name.lower())
