"""The typed host: every parser's model side by side, plus the audit's time and messages.

A domain left as None had none of its files in the snapshot, which is how rules come to
be `not_evaluated` rather than failed. The parsers fill it (`proxguard.parsers.host`);
rules only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.access import AccessControl
from proxguard.model.apt import AptSources
from proxguard.model.corosync import CorosyncConf
from proxguard.model.firewall import FirewallConfig
from proxguard.model.guests import Guests
from proxguard.model.jobs import JobsConfig
from proxguard.model.manifest import Manifest
from proxguard.model.memory import HostMemory
from proxguard.model.pveproxy import PveproxyConfig
from proxguard.model.realms import Realm
from proxguard.model.running import RunningFirewall
from proxguard.model.runstate import RunState
from proxguard.model.sshd import SshdConfig
from proxguard.model.storage import StorageConfig
from proxguard.model.unixgroups import UnixGroups


@dataclass
class Host:
    snapshot: Snapshot
    now: int  # audit time, epoch seconds (token/user expiry is judged against it)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    sshd: SshdConfig | None = None
    firewall: FirewallConfig | None = None
    access: AccessControl | None = None
    storage: StorageConfig | None = None
    guests: Guests | None = None
    realms: dict[str, Realm] | None = None  # domains.cfg
    unix_groups: UnixGroups | None = None  # etc/group (sshd AllowGroups/DenyGroups)
    running_firewall: RunningFirewall | None = None  # pve-firewall status, loaded rulesets
    # files taken out as not recognisable as their kind (path → why), and the model as it
    # was built with them: what the operator supplied, for --require's default
    unrecognised: dict[str, str] = field(default_factory=dict)
    ungated: Host | None = None
    manifest: Manifest | None = None  # proxguard-manifest.json (collector snapshots)
    corosync: CorosyncConf | None = None  # etc/pve/corosync.conf (ring addresses)
    jobs: JobsConfig | None = None  # etc/pve/jobs.cfg (backup jobs)
    pveproxy: PveproxyConfig | None = None  # etc/default/pveproxy (API access, TLS)
    memory: HostMemory | None = None  # commands/free-b.txt
    run_state: RunState | None = None  # commands/pct-list.txt, qm-list.txt (guests running)
    apt: AptSources | None = None  # etc/apt/sources.list and sources.list.d/

    def has(self, name: str) -> bool:
        """Is the model part `name` present (i.e. was its input supplied)? Dotted names
        (`firewall.cluster`) are resolved step by step; any missing step means absent."""
        obj: object = self
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return True
