"""Storage definitions as PVE keeps them after reading storage.cfg.

The model is the post-processed view (forced `local`, default content, forced `shared`),
because that is what the cluster mounts and writes backups to; `props` keeps the written
values with their lines so evidence can point at the deciding line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.model.values import Prop


@dataclass(slots=True)
class Storage:
    id: str
    type: str  # dir, nfs, cifs, pbs, ...
    props: dict[str, Prop]  # key → value as written (after PVE's per-key checks) and line
    options: list[str]  # the `options` mount options, split on "," (empty when absent)
    disabled: bool
    shared: bool  # as PVE sees it: forced on for network types
    content: frozenset[str]  # effective content types (type default when not written)
    file: str
    line: int  # header line; 0 when PVE synthesised the storage (the forced `local`)
    content_default: bool = False  # content came from the type default, not the file
    nodes: tuple[str, ...] = ()  # empty: all nodes

    def get(self, key: str, default: str | None = None) -> str | None:
        prop = self.props.get(key)
        return prop.value if prop is not None else default

    def line_of(self, key: str) -> int:
        """Line of `key`; 0 when absent (its default applies) or synthesised."""
        prop = self.props.get(key)
        return prop.line if prop is not None else 0

    def mount_option(self, name: str) -> str | None:
        """Value of the last `name=value` (or `name`: "") in `options`, as mount(8)
        applies later options over earlier ones; None when absent."""
        found: str | None = None
        for opt in self.options:
            key, sep, value = opt.partition("=")
            if key.strip() == name:
                found = value if sep else ""
        return found


@dataclass(slots=True)
class StorageConfig:
    storages: dict[str, Storage] = field(default_factory=dict)
    file: str = "etc/pve/storage.cfg"

    def of_type(self, *types: str) -> list[Storage]:
        return [s for s in self.storages.values() if s.type in types]
