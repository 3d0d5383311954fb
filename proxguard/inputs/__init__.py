"""Inputs: the host's configuration files as a snapshot (path → text, kind), from a
directory laid out like the host root, a collector tarball, or loose/pasted texts.

The lowest stage of the pipeline: it imports nothing of the engine. The names below are
re-exported so callers say `from proxguard.inputs import Snapshot`.
"""

from proxguard.inputs.kinds import (
    APT_SOURCES,
    CLUSTER_FW,
    COROSYNC_CONF,
    DOMAINS_CFG,
    FILE_KINDS,
    FIREWALL_KINDS,
    GROUP,
    GUEST_FW,
    HOST_FW,
    IPTABLES_SAVE,
    KIND_LABELS,
    KINDS,
    LXC_CONF,
    MANIFEST,
    MANIFEST_NAME,
    NFT_RULESET,
    PVE_FIREWALL_STATUS,
    PVEVERSION,
    QEMU_CONF,
    RUNTIME_KINDS,
    SSHD_CONFIG,
    SSHD_T,
    STORAGE_CFG,
    TOKEN_LIST,
    UNKNOWN,
    USER_CFG,
    FileKind,
    canonical_path,
    detect_kind,
    kind_from_path,
)
from proxguard.inputs.snapshot import (
    MAX_FILE_BYTES,
    InputError,
    InputFile,
    Snapshot,
    normalise_path,
)

__all__ = [
    "APT_SOURCES",
    "CLUSTER_FW", "COROSYNC_CONF", "DOMAINS_CFG", "FILE_KINDS", "FIREWALL_KINDS", "GROUP", "GUEST_FW", "HOST_FW",
    "IPTABLES_SAVE", "KINDS", "KIND_LABELS", "LXC_CONF", "MANIFEST", "MANIFEST_NAME",
    "MAX_FILE_BYTES", "NFT_RULESET",
    "PVEVERSION", "PVE_FIREWALL_STATUS", "QEMU_CONF", "RUNTIME_KINDS", "SSHD_CONFIG",
    "SSHD_T", "STORAGE_CFG", "TOKEN_LIST", "UNKNOWN", "USER_CFG", "FileKind", "InputError",
    "InputFile", "Snapshot", "canonical_path", "detect_kind", "kind_from_path", "normalise_path",
]
