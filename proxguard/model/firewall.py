"""The Proxmox firewall as pve-firewall reads it: files, options, rules, aliases, ipsets.

Everything the text holds is kept, including lines Proxmox would ignore or refuse: a rule
with `errors` is shown to the operator (who may believe it active) but is never enforced.
Each object keeps its raw line so the web app can re-export `.fw` text byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.model import fw_backend
from proxguard.model.corosync import CorosyncConf
from proxguard.model.fw_values import FwOption, Setting

# File kinds (the rule environment of formats.md §1.1).
CLUSTER = "cluster"
HOST = "host"
GUEST = "guest"

# Cluster defaults when a key is absent [formats.md §1.3: policy_in unset → DROP,
# policy_out unset → ACCEPT; enable default 0].
DEFAULT_POLICY_IN = "DROP"
DEFAULT_POLICY_OUT = "ACCEPT"


@dataclass(slots=True)
class FwRule:
    """One rule line. `direction` is lower-case in/out/forward/group; for `group` the
    `action` is the security-group name as written (lookup is case-sensitive)."""

    file: str
    line: int
    scope: str  # "cluster", "node/<name>", "guest/<vmid>", "group/<name>"
    index: int  # position in its section, 0-based like the API's `pos`
    enabled: bool
    direction: str
    action: str  # ACCEPT / DROP / REJECT, or the group name for GROUP lines
    macro: str | None = None  # canonical macro name
    iface: str | None = None
    source: str | None = None
    dest: str | None = None
    proto: str | None = None
    dport: str | None = None
    sport: str | None = None
    icmp_type: str | None = None
    log: str | None = None
    comment: str | None = None
    group: str | None = None  # the [GROUP x] section holding this rule, None in [RULES]
    errors: list[str] = field(default_factory=list)
    raw: str = ""
    ipversion: int | None = None  # 4 or 6 when the addresses/protocol pin it
    # id and where, built on first use and then shared: every finding, target and
    # report record of a rule names it, ~7 copies a rule at 100,000 rules otherwise
    _id: str = field(default="", init=False, repr=False, compare=False)
    _where: str = field(default="", init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The stable target id `fw/<scope>/rule/<n>`."""
        if not self._id:
            self._id = f"fw/{self.scope}/rule/{self.index}"
        return self._id

    @property
    def enforced(self) -> bool:
        """pve-firewall compiles a rule only if enabled and error-free
        [formats.md §1.4: `next if !$rule->{enable} || $rule->{errors}`]."""
        return self.enabled and not self.errors

    @property
    def where(self) -> str:
        if not self._where:
            self._where = f"{self.file}:{self.line}"
        return self._where


@dataclass(slots=True)
class FwAlias:
    name: str  # lower-cased
    cidr: str
    line: int
    comment: str | None = None
    errors: list[str] = field(default_factory=list)
    raw: str = ""


@dataclass(slots=True)
class FwIpsetEntry:
    address: str  # CIDR/IP or alias reference (`name`, `dc/name`, `guest/name`)
    nomatch: bool
    line: int
    comment: str | None = None
    errors: list[str] = field(default_factory=list)
    raw: str = ""


@dataclass(slots=True)
class FwIpset:
    name: str  # lower-cased at definition
    line: int
    comment: str | None = None
    entries: list[FwIpsetEntry] = field(default_factory=list)
    raw: str = ""


@dataclass(slots=True)
class FwGroup:
    name: str  # lower-cased at definition
    line: int
    comment: str | None = None
    rules: list[FwRule] = field(default_factory=list)
    raw: str = ""


@dataclass(slots=True)
class FwFile:
    path: str
    kind: str  # CLUSTER / HOST / GUEST
    name: str  # node name for host files, vmid for guests, "cluster"
    options: dict[str, FwOption] = field(default_factory=dict)
    # Every `key: value` option line as split by proxmox-ve-config's `split_key_value`
    # (key as written, value trimmed, last wins), including lines the iptables parser
    # refuses: the nftables daemon reads `enable: yes` as on (see fw_backend.py).
    raw_options: dict[str, FwOption] = field(default_factory=dict)
    rules: list[FwRule] = field(default_factory=list)
    aliases: dict[str, FwAlias] = field(default_factory=dict)
    ipsets: dict[str, FwIpset] = field(default_factory=dict)
    groups: dict[str, FwGroup] = field(default_factory=dict)
    text: str = ""  # the file as read, for byte-exact re-export

    @property
    def scope(self) -> str:
        if self.kind == CLUSTER:
            return "cluster"
        return f"node/{self.name}" if self.kind == HOST else f"guest/{self.name}"

    def option(self, key: str, default: str | None = None) -> Setting | None:
        opt = self.options.get(key)
        if opt is not None:
            return Setting(key, opt.value, self.path, opt.line)
        return None if default is None else Setting(key, default, self.path, 0)

    def enabled_rules(self, direction: str | None = None) -> list[FwRule]:
        return [r for r in self.rules
                if r.enforced and (direction is None or r.direction == direction)]


@dataclass(slots=True)
class FirewallConfig:
    cluster: FwFile | None = None
    hosts: dict[str, FwFile] = field(default_factory=dict)
    guests: dict[str, FwFile] = field(default_factory=dict)
    # The ports sshd listens on (from the effective sshd model, set by build_host when
    # sshd_config was supplied): fw-management-exposed judges SSH wherever it listens.
    ssh_ports: tuple[int, ...] = (22,)
    ssh_ports_known: bool = False
    # cluster.fw does not exist on the host (collector manifest): modelled as empty.
    cluster_absent: bool = False
    # etc/pve/corosync.conf when supplied: the ring addresses of the built-in corosync
    # accepts (udp 5404-5405 between the nodes, Firewall.pm enable_host_firewall).
    corosync: CorosyncConf | None = None
    # Derived results (e.g. the conflict analysis) shared by the rules of one audit.
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def files(self) -> list[FwFile]:
        out = [self.cluster] if self.cluster else []
        return out + [self.hosts[k] for k in sorted(self.hosts)] + \
            [self.guests[k] for k in sorted(self.guests, key=_vmid_key)]

    def cluster_enabled(self, node: str | None = None) -> tuple[bool, Setting]:
        """The master switch as the firewall daemon of `node` reads it (None: as the
        nodes' common backend reads it, iptables unless every host.fw sets nftables: 1).
        iptables: any positive integer enables it; a value above 1 is an API rollback
        timestamp, reported as OFF with a note (an offline audit cannot know if it is
        still fresh). nftables: proxmox-serde's boolean words (see fw_backend.py)."""
        hosts = [self.hosts.get(node)] if node is not None else list(self.hosts.values())
        if hosts and all(fw_backend.node_backend(h.options if h else {}) == "nftables"
                         for h in hosts):
            if self.cluster is None:
                return False, Setting("enable", "0", fw_backend.CLUSTER_PATH, 0,
                                      "cluster.fw not supplied")
            return fw_backend.nft_cluster_enabled(self.cluster.raw_options.get("enable"),
                                                  self.cluster.path)
        return self.iptables_cluster_enabled()

    def host_enabled(self, node: str) -> tuple[bool, Setting | None]:
        """Is the host firewall of `node` built at all (host.fw `enable`, default on)?"""
        host = self.hosts.get(node)
        if host is None:
            return True, None
        return fw_backend.host_enabled(host.options, host.raw_options, host.path)

    def iptables_cluster_enabled(self) -> tuple[bool, Setting]:
        """The master switch as pve-firewall (iptables) reads it."""
        if self.cluster is None:
            return False, Setting("enable", "0", "etc/pve/firewall/cluster.fw", 0,
                                  "cluster.fw not supplied")
        s = self.cluster.option("enable", "0")
        assert s is not None
        note = self.cluster_enable_note
        return _positive_int(s.value) == 1, Setting(s.key, s.value, s.file, s.line, note)

    @property
    def cluster_enable_note(self) -> str:
        opt = self.cluster.options.get("enable") if self.cluster else None
        if opt is not None and _positive_int(opt.value) > 1:
            return (f"enable: {opt.value} is an API rollback timestamp; pve-firewall keeps it "
                    "on for 60 s only, so it is treated as off")
        return ""

    def policy_in(self) -> Setting:
        return self._policy("policy_in", DEFAULT_POLICY_IN)

    def policy_out(self) -> Setting:
        return self._policy("policy_out", DEFAULT_POLICY_OUT)

    def _policy(self, key: str, default: str) -> Setting:
        if self.cluster is None:
            return Setting(key, default, "etc/pve/firewall/cluster.fw", 0)
        s = self.cluster.option(key, default)
        assert s is not None
        return s

    def host_rule_files(self) -> list[FwFile]:
        """cluster.fw then every host.fw: the files whose rules build the host chains."""
        return ([self.cluster] if self.cluster else []) + [self.hosts[k] for k in sorted(self.hosts)]

    def enabled_in_rules(self) -> list[FwRule]:
        """Enforced IN and GROUP rules of cluster.fw and all host.fw files."""
        return [r for f in self.host_rule_files() for r in f.rules
                if r.enforced and r.direction in ("in", "group")]

    def all_rules(self) -> list[FwRule]:
        out: list[FwRule] = []
        for f in self.files():
            out.extend(f.rules)
            for g in f.groups.values():
                out.extend(g.rules)
        return out


def _positive_int(value: str) -> int:
    """0 for off, 1 for on, 2 for 'a timestamp' (the value is validated as digits)."""
    try:
        n = int(value)
    except ValueError:
        return 0
    return 0 if n <= 0 else (1 if n == 1 else 2)


def _vmid_key(v: str) -> tuple[int, str]:
    return (int(v), v) if v.isdigit() else (1 << 40, v)
