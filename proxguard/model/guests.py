"""Guests (LXC containers and QEMU VMs) as their live configuration.

Only the main section of a guest config is what runs; `[pve:pending]` changes and
snapshot sections are kept apart so rules can mention them but are never judged as live
(the incumbent read a privileged snapshot as a privileged container).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.model.values import Prop


@dataclass(slots=True)
class LxcEntry:
    """One raw `lxc.*` line; order matters (an empty value clears a list option)."""

    key: str
    value: str
    line: int


@dataclass(slots=True)
class IdMap:
    """`lxc.idmap: u|g <ct_start> <host_start> <count>` [CT src/PVE/LXC.pm parse_id_maps]."""

    kind: str  # "u" or "g"
    ct_start: int
    host_start: int
    count: int
    line: int

    def maps_host_root(self) -> bool:
        """Does this range put host ID 0 inside the container (effectively privileged)?"""
        return self.host_start == 0 and self.count > 0


@dataclass(slots=True)
class GuestSection:
    """One section of a guest config: the main one (name ""), pending, or a snapshot."""

    name: str
    line: int  # header line (0 for the main section)
    conf: dict[str, Prop] = field(default_factory=dict)
    raw_lxc: list[LxcEntry] = field(default_factory=list)
    description: str = ""

    def get(self, key: str, default: str | None = None) -> str | None:
        prop = self.conf.get(key)
        return prop.value if prop is not None else default

    def line_of(self, key: str) -> int:
        prop = self.conf.get(key)
        return prop.line if prop is not None else 0


@dataclass(slots=True)
class _Guest:
    vmid: int
    node: str | None  # from etc/pve/nodes/<node>/...; None for etc/pve/lxc|qemu-server
    file: str
    main: GuestSection
    nets: dict[str, dict[str, str]]  # netN → parsed property string
    snapshots: dict[str, GuestSection]
    pending: GuestSection | None

    @property
    def conf(self) -> dict[str, Prop]:
        return self.main.conf

    @property
    def description(self) -> str:
        return self.main.description

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.main.get(key, default)

    def line_of(self, key: str) -> int:
        return self.main.line_of(key)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean key of the live config (stored normalised to "1"/"0" when valid)."""
        raw = self.main.get(key)
        return default if raw is None else raw == "1"

    def int_value(self, key: str, default: int) -> int:
        raw = self.main.get(key)
        return int(raw) if raw is not None and raw.isdigit() else default

    @property
    def onboot(self) -> bool:
        return self.flag("onboot")  # formats.md §5.1/5.2: default 0

    @property
    def protection(self) -> bool:
        return self.flag("protection")


@dataclass(slots=True)
class Container(_Guest):
    features: dict[str, str] = field(default_factory=dict)
    unprivileged_flag: bool = False  # the `unprivileged` key (absent → 0)
    idmaps: list[IdMap] = field(default_factory=list)
    mounts: dict[str, dict[str, str]] = field(default_factory=dict)  # rootfs, mpN
    devices: dict[str, dict[str, str]] = field(default_factory=dict)  # devN

    @property
    def raw_lxc(self) -> list[LxcEntry]:
        return self.main.raw_lxc

    @property
    def unprivileged(self) -> bool:
        """PVE treats a CT as user-namespaced when `unprivileged: 1` or when any
        `lxc.idmap` line exists [CT src/PVE/LXC.pm update_lxc_config: $custom_idmap]."""
        return self.unprivileged_flag or any(e.key == "lxc.idmap" for e in self.main.raw_lxc)

    @property
    def hostname(self) -> str | None:
        return self.get("hostname")

    @property
    def memory(self) -> int:
        return self.int_value("memory", 512)  # CT Config.pm: default 512 MB

    def feature(self, name: str) -> bool:
        """A boolean feature (nesting, keyctl, fuse, mknod, force_rw_sys); absent → off."""
        return self.features.get(name) == "1"


@dataclass(slots=True)
class VirtualMachine(_Guest):
    special: dict[str, GuestSection] = field(default_factory=dict)  # cloudinit, fleecing

    @property
    def hostname(self) -> str | None:
        return self.get("name")

    @property
    def memory(self) -> int:
        """`memory: [current=]<MB>` (QS); default 512 MB."""
        raw = self.get("memory")
        if raw is None:
            return 512
        current = raw.split(",")[0].removeprefix("current=")
        return int(current) if current.isdigit() else 512


@dataclass(slots=True)
class Guests:
    containers: dict[int, Container] = field(default_factory=dict)
    vms: dict[int, VirtualMachine] = field(default_factory=dict)
