"""What the built-in management accept admits, for fw-management-exposed.

pve-firewall appends `local_network` to the `management` ipset before compiling
(Firewall.pm `compile` / `compile_ipsets`: `push @{$cluster_conf->{ipset}->{management}},
{ cidr => $localnet }`; proxmox-firewall `create_management_ipset` does the same), and
the built-in IN accepts of tcp 8006, 5900-5999, 3128, 22 and 60000-60050 match that set
(Firewall.pm `enable_host_firewall`). So a public `local_network` alias, or a public entry
in `[IPSET management]`, opens the management ports to that network by itself, with no
user rule involved. An auto-detected local_network (no alias) cannot be seen offline:
pve-firewall takes the network of the node's own address (`local_network()`), which is
public on many hosted servers, so the verdict states the assumption.
"""

from __future__ import annotations

import ipaddress

from proxguard.model.firewall import FirewallConfig

_PRIVATE = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
    "100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128")]

ASSUMPTION = ("local_network is auto-detected on the host (no `local_network` alias in "
              "cluster.fw [ALIASES]); ProxGuard assumes it is the node's private network. If "
              "the node's own address is public, the built-in accept opens the management "
              "ports to that whole network: pin it with `local_network <cidr>` in [ALIASES] "
              "(check with `pve-firewall localnet`)")


def is_public(cidr: str) -> bool:
    """Is this a public network: two or more addresses, some outside the private and
    reserved ranges? A single public address is a named host (e.g. the admin's), which
    the analysis does not count as exposure either."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return net.num_addresses > 1 and not any(
        net.version == p.version and net.subnet_of(p)  # type: ignore[arg-type]
        for p in _PRIVATE)


def public_sources(cfg: FirewallConfig) -> list[tuple[str, str, int]]:
    """(what, file, line) for every public network the built-in accept admits."""
    out: list[tuple[str, str, int]] = []
    cluster = cfg.cluster
    if cluster is None:
        return out
    alias = cluster.aliases.get("local_network")
    if alias is not None and is_public(alias.cidr):
        out.append((f"local_network {alias.cidr}", cluster.path, alias.line))
    ipset = cluster.ipsets.get("management")
    for e in ipset.entries if ipset else ():
        if e.nomatch or e.errors:
            continue
        addr = e.address
        if "/" not in addr and not any(c.isdigit() for c in addr[:1]) and ":" not in addr:
            target = cluster.aliases.get(addr.removeprefix("dc/").lower())
            addr = target.cidr if target else ""
        if addr and is_public(addr):
            out.append((f"management entry {e.address}", cluster.path, e.line))
    return out


def local_network_known(cfg: FirewallConfig) -> bool:
    return cfg.cluster is not None and "local_network" in cfg.cluster.aliases
