"""What an APT entry is: a Debian archive, the Debian security archive, a Proxmox channel.

Recognised by URI and suite as the Debian and Proxmox documentation write them; a local
mirror is recognised by its path (`…/debian`, `…/debian-security`, `…/debian/pve`), so an
apt-cacher or a company mirror of the same archive counts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proxguard.model.apt import AptEntry

# Debian suites with no security support (no `-security` suite exists for them)
NO_SECURITY_SUITES = frozenset({"sid", "unstable", "experimental", "rc-buggy"})
# `scheme://host/debian`, or through a caching proxy `scheme://proxy/deb.debian.org/debian`;
# `…/linux/debian` (Docker's and others' third-party archives) is not Debian's.
_DEBIAN = re.compile(r"[a-z][a-z0-9+]*+://[^/\s]++(?:/[^/\s]*debian\.org)?/debian/?")
_SECURITY = re.compile(r"[a-z][a-z0-9+]*+://(?:[^/\s]++(?:/[^/\s]*debian\.org)?"
                       r"/debian-security/?|security\.debian\.org/?)")
_PROXMOX = re.compile(r"[a-z][a-z0-9+]*+://[^/\s]++(?:/[^/\s]*proxmox\.com)?"
                      r"/debian/(pve|ceph-[a-z0-9]+|pbs)/?")
_CODENAME_SUFFIX = re.compile(r"-(?:updates|backports|backports-sloppy|proposed-updates)$")
# Proxmox channels by component (pve: pve-enterprise / pve-no-subscription / pvetest;
# ceph-*: enterprise / no-subscription / test)
CHANNELS = {"pve-enterprise": "enterprise", "enterprise": "enterprise",
            "pve-no-subscription": "no-subscription", "no-subscription": "no-subscription",
            "pvetest": "test", "test": "test", "main": "ceph (main)"}


@dataclass(frozen=True, slots=True)
class ProxmoxChannel:
    entry: AptEntry
    product: str  # pve, ceph-reef, pbs…
    channel: str  # enterprise, no-subscription, test


def debian_codename(e: AptEntry) -> str | None:
    """The Debian release a main-archive entry installs from (`bookworm-updates` →
    `bookworm`), or None when the entry is not the Debian archive."""
    if not _DEBIAN.fullmatch(e.uri.lower()) or e.suite.endswith("/"):
        return None
    return _CODENAME_SUFFIX.sub("", e.suite.lower())


def security_codename(e: AptEntry) -> str | None:
    """The release a Debian security entry covers: `bookworm-security` (bullseye and
    later) or `buster/updates` (buster and older)."""
    if not _SECURITY.fullmatch(e.uri.lower()):
        return None
    suite = e.suite.lower()
    for tail in ("-security", "/updates"):
        if suite.endswith(tail) and len(suite) > len(tail):
            return suite[: -len(tail)]
    return None


def proxmox_channels(e: AptEntry) -> list[ProxmoxChannel]:
    m = _PROXMOX.fullmatch(e.uri.lower())
    if m is None:
        return []
    return [ProxmoxChannel(e, m.group(1), CHANNELS[c]) for c in e.components if c in CHANNELS]
