"""pveproxy-access: the API and web UI (port 8006) open to any address by pveproxy's own
access list, and weak TLS settings in /etc/default/pveproxy.

Category: firewall (docs/DESIGN.md §7) — ALLOW_FROM/DENY_FROM/POLICY is a network access
list for the management port, and the only one that holds when the PVE firewall is off.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.pveproxy import Network, PveproxyConfig, networks
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
    unassessed,
)

# Stand-ins for "any address on the internet" (RFC 5737 / RFC 3849 documentation ranges),
# as ssh_logins uses 203.0.113.10.
OUTSIDE = (ipaddress.ip_address("203.0.113.10"), ipaddress.ip_address("2001:db8::10"))
# OpenSSL cipher-string words that name broken or null ciphers; allowed unless negated.
WEAK_CIPHER_WORDS = ("NULL", "aNULL", "eNULL", "EXPORT", "RC4", "DES", "3DES", "MD5",
                     "LOW", "ADH", "AECDH")


def admitted(allow: list[Network], deny: list[Network], policy: str,
             ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """AnyEvent.pm check_host_access: a match in exactly one list decides; a match in
    both or neither falls to POLICY (default allow)."""
    in_allow = any(ip in n for n in allow if n.version == ip.version)
    in_deny = any(ip in n for n in deny if n.version == ip.version)
    if in_allow == in_deny:
        return policy == "allow"
    return in_allow


def _where(c: PveproxyConfig, key: str) -> str:
    line = c.line_of(key)
    return f"{key}={c.get(key)} (line {line})" if line else f"{key} unset"


def _weak_ciphers(value: str) -> list[str]:
    words = value.replace(" ", ":").replace(",", ":").split(":")
    return [w for w in words if w.lstrip("+") in WEAK_CIPHER_WORDS and not w.startswith(("!", "-"))]


def _tls(c: PveproxyConfig) -> list[str]:
    out = []
    ciphers = c.get("CIPHERS")
    if ciphers and _weak_ciphers(ciphers):
        out.append(f"CIPHERS (line {c.line_of('CIPHERS')}) enables "
                   f"{', '.join(_weak_ciphers(ciphers)[:4])} for TLS 1.2")
    if c.get("DISABLE_TLS_1_3") == "1" and c.get("DISABLE_TLS_1_2") != "1":
        out.append(f"DISABLE_TLS_1_3=1 (line {c.line_of('DISABLE_TLS_1_3')}) leaves only TLS 1.2")
    return out


def _judge(c: PveproxyConfig) -> TargetResult:
    head = f"{c.file}" if c.present else f"{c.file} absent on the host (every default applies)"
    facts = {"conf_file": c.file}
    unknown = [k for k in ("ALLOW_FROM", "DENY_FROM", "POLICY") if k in c.opaque]
    if unknown:
        return unassessed("host", f"{head}: {', '.join(unknown)} set by shell code ProxGuard "
                          "does not run (line " + ", ".join(str(c.opaque[k]) for k in unknown)
                          + ")", c.file, c.opaque[unknown[0]], **facts)
    allow, bad_a = networks(c.get("ALLOW_FROM") or "")
    deny, bad_d = networks(c.get("DENY_FROM") or "")
    policy = c.get("POLICY") or "allow"
    if bad_a or bad_d or policy not in ("allow", "deny"):
        bad = [*bad_a, *bad_d] or [f"POLICY={policy}"]
        return failed("host", f"{head}: {', '.join(bad[:3])} is not an address or network "
                      "pveproxy accepts: it refuses to start, the API and web UI are down",
                      c.file, c.line_of("ALLOW_FROM" if bad_a else "DENY_FROM" if bad_d
                                        else "POLICY"), **facts)
    lists = f"{_where(c, 'ALLOW_FROM')}, {_where(c, 'DENY_FROM')}, {_where(c, 'POLICY')}"
    open_to = [str(ip) for ip in OUTSIDE if admitted(allow, deny, policy, ip)]
    tls = _tls(c)
    if open_to:
        line = max(c.line_of(k) for k in ("ALLOW_FROM", "DENY_FROM", "POLICY"))
        return failed("host", f"{head}: {lists}: an address such as {open_to[0]} reaches "
                      "the API and web UI on port 8006 unless a firewall stops it"
                      + "".join(f"; {t}" for t in tls), c.file, line, **facts)
    if tls:
        key = "CIPHERS" if "CIPHERS" in tls[0] else "DISABLE_TLS_1_3"
        return failed("host", f"{head}: access limited ({lists}); {'; '.join(tls)}", c.file,
                      c.line_of(key), severity=Severity.LOW, **facts)
    return passed("host", f"{head}: {lists}: only listed networks reach port 8006; "
                  f"{_where(c, 'LISTEN_IP')}", c.file, c.line_of("POLICY") or
                  c.line_of("ALLOW_FROM"), **facts)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    assert host.pveproxy is not None
    return [_judge(host.pveproxy)]


DOCS = """\
**What is checked.** `/etc/default/pveproxy`, which pveproxy (the API and web UI on port
8006, and spiceproxy for the allow/deny lists) reads at start: `ALLOW_FROM`,
`DENY_FROM`, `POLICY`, `LISTEN_IP`, `CIPHERS`, `DISABLE_TLS_1_2`, `DISABLE_TLS_1_3`,
`HONOR_CIPHER_ORDER` (pve-http-server `PVE/APIServer/Utils.pm` read_proxy_config).
pveproxy sources the file with bash; ProxGuard never runs it and reads only plain
assignments (`KEY=value`, `KEY="value"`, `KEY='value'`, last one wins); a key set by
other shell code is unknown, and the access verdict is then not evaluated.

**How the verdict is decided.** Access is judged as `check_host_access`
(`PVE/APIServer/AnyEvent.pm`) decides it: an address matching exactly one of the lists
is allowed (ALLOW_FROM) or refused (DENY_FROM); one matching both or neither gets
`POLICY` (default `allow`; `all` means 0.0.0.0/0 and ::/0). The rule asks that question
for stand-in internet addresses (203.0.113.10, 2001:db8::10) and fails (medium) when
either is admitted: the default file — or no file at all, when the collector saw it
absent — admits every address. An entry Net::IP rejects, or a POLICY other than
allow/deny, fails too: pveproxy then refuses to start. With access limited, it fails
(low) when `CIPHERS` enables broken ciphers (NULL, EXPORT, RC4, DES, 3DES, MD5, LOW,
anonymous suites, unless negated with `!`) or `DISABLE_TLS_1_3=1` leaves only TLS 1.2.
`LISTEN_IP` and `HONOR_CIPHER_ORDER` are shown, not judged (binding to one address is
a deployment choice; the cipher order only matters with weak ciphers). Without the file
(and no manifest saying it is absent) the rule is not evaluated.

**Why.** pveproxy's list is the only exposure control of port 8006 that holds when the
PVE firewall is off or being changed; the login page is the doorway to root on every
node.
"""


RULE = Rule(
    id="pveproxy-access",
    title="API and web UI open to any address (pveproxy access list)",
    category="firewall",
    references=(
        Reference("PHG", "1.2.4", "Allow 8006 and 22 only from trusted subnets",
                  partial="PHG asks for it in the PVE firewall; this is pveproxy's own list"),
        Reference("pve-http-server", "src/PVE/APIServer/Utils.pm",
                  "read_proxy_config (the variables, `all`, 0/1 booleans)"),
        Reference("pve-http-server", "src/PVE/APIServer/AnyEvent.pm",
                  "check_host_access (allow/deny/POLICY)"),
        Reference("Proxmox VE Admin Guide", "pveproxy", "Host based Access Control"),
    ),
    inputs=("pveproxy",),
    rationale="pveproxy's ALLOW_FROM/DENY_FROM is the only limit on who reaches the API "
              "login when the PVE firewall is off; by default every address does.",
    docs=DOCS,
    remediation=Remediation(
        summary='Set ALLOW_FROM="<management networks>", DENY_FROM="all", POLICY="allow" '
                "in /etc/default/pveproxy and restart pveproxy.",
        template="firewall/pveproxy_access.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.MEDIUM)},
)
