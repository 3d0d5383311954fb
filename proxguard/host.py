"""The typed host snapshot: every parser's model side by side.

`build_host` is the one place that runs the parsers. Each domain loader returns None when
the snapshot holds none of its files, which is how rules come to be `not_evaluated`
rather than failed. A loader that raises despite its contract is caught here: the audit
of the other files must still complete, and the user is told which file was not judged.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot


@dataclass
class Host:
    snapshot: Snapshot
    now: int  # audit time, epoch seconds (token/user expiry is judged against it)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    sshd: Any = None  # proxguard.model.sshd.SshdConfig | None
    firewall: Any = None  # proxguard.model.firewall.FirewallConfig | None
    access: Any = None  # proxguard.model.access.AccessControl | None
    storage: Any = None  # proxguard.model.storage.StorageConfig | None
    guests: Any = None  # proxguard.model.guests.Guests | None
    realms: Any = None  # dict[str, proxguard.model.realms.Realm] | None (domains.cfg)
    unix_groups: Any = None  # proxguard.model.unixgroups.UnixGroups | None (etc/group)

    def has(self, name: str) -> bool:
        """Is the model part `name` present (i.e. was its input supplied)? Dotted names
        (`firewall.cluster`) are resolved step by step; any missing step means absent."""
        obj: Any = self
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return True


# Host attribute → the parser module whose load(snapshot, diags) fills it.
_LOADERS: dict[str, str] = {
    "sshd": "proxguard.parsers.sshd",
    "firewall": "proxguard.parsers.pvefw",
    "access": "proxguard.parsers.usercfg",
    "storage": "proxguard.parsers.storage",
    "guests": "proxguard.parsers.guest",
    "realms": "proxguard.parsers.domains",
    "unix_groups": "proxguard.parsers.unixgroup",
}


def _loader(module: str) -> Callable[[Snapshot, Diagnostics], Any]:
    return importlib.import_module(module).load  # type: ignore[no-any-return]


def build_host(snapshot: Snapshot, now: int | None = None) -> Host:
    host = Host(snapshot=snapshot, now=int(time.time()) if now is None else now)
    host.diagnostics.extend(snapshot.diagnostics)
    for name, module in _LOADERS.items():
        try:
            setattr(host, name, _loader(module)(snapshot, host.diagnostics))
        except Exception as exc:  # a parser bug must not take the whole audit down
            host.diagnostics.error("", 0, f"internal error while reading the {name} inputs "
                                   f"({type(exc).__name__}: {exc}); {name} not assessed")
            setattr(host, name, None)
    return host
