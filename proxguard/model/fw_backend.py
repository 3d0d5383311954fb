"""Which firewall daemon compiles a node's rules, and how that daemon reads the switches.

A node runs the iptables `pve-firewall` unless its host.fw sets `nftables: 1`, in which
case `proxmox-firewall` (nftables) takes over [proxmox-firewall src/config.rs
`Config::is_enabled`: cluster enabled && host nftables]. The two parse option lines
differently, so a single cluster.fw can be on for one node and off for another:

* iptables: `enable` must be an integer (pve-firewall Firewall.pm
  `parse_clusterfw_option`); `enable: yes` is ignored, so the switch keeps its default 0.
* nftables: proxmox-ve-config splits `key: value` (`split_key_value`) and deserialises
  booleans with proxmox-serde `perl::deserialize_bool`: `1`/`0` and, case-insensitively,
  `true|yes|on` / `false|no|off`; anything else fails the whole file, and the daemon then
  applies nothing.

Host.fw `enable` defaults to on in both (Firewall.pm `compile_iptables_filter`:
`$hostfw_enable = !(defined(enable) && enable == 0)`; proxmox-ve-config firewall/host.rs
`HOST_ENABLED_DEFAULT = true`); with `enable: 0` the node has no host firewall at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from proxguard.model.fw_values import FwOption, Setting

_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off")
CLUSTER_PATH = "etc/pve/firewall/cluster.fw"


def perl_bool(value: str) -> bool | None:
    """proxmox-serde `perl::deserialize_bool` on a string; None when it refuses it."""
    if value == "1" or value.lower() in _TRUE:
        return True
    if value == "0" or value.lower() in _FALSE:
        return False
    return None


def node_backend(host_options: Mapping[str, FwOption]) -> str:
    """"nftables" when a host.fw opts into proxmox-firewall, else "iptables". The switch
    is read by pve-firewall's own parser (0/1 only), which decides which daemon stands
    down."""
    opt = host_options.get("nftables")
    return "nftables" if opt is not None and opt.value == "1" else "iptables"


def nft_cluster_enabled(raw: FwOption | None, path: str) -> tuple[bool, Setting]:
    """The cluster switch as proxmox-firewall reads the raw `enable` line (default off)."""
    if raw is None:
        return False, Setting("enable", "0", path, 0)
    on = perl_bool(raw.value)
    if on is None:
        return False, Setting("enable", raw.value, path, raw.line,
                              f"the nftables firewall (proxmox-firewall) cannot read "
                              f"'enable: {raw.value}' as a boolean, so it rejects cluster.fw "
                              "and applies nothing")
    note = "" if raw.value in ("0", "1") else \
        (f"read by the nftables firewall (proxmox-firewall), which accepts '{raw.value}' as "
         f"{'on' if on else 'off'}; the iptables pve-firewall would ignore this line")
    return on, Setting("enable", raw.value, path, raw.line, note)


def host_enabled(options: Mapping[str, FwOption], raw_options: Mapping[str, FwOption],
                 path: str) -> tuple[bool, Setting | None]:
    """(host chains built?, the deciding setting or None when host.fw has no enable)."""
    if node_backend(options) == "nftables":
        raw = raw_options.get("enable")
        if raw is not None and perl_bool(raw.value) is not None:
            return bool(perl_bool(raw.value)), Setting("enable", raw.value, path, raw.line)
    opt = options.get("enable")
    if opt is None:
        return True, None
    return opt.value != "0", Setting("enable", opt.value, path, opt.line)
