"""storage.cfg → StorageConfig, replaying PVE's own reading of the file.

Rules about NFS/CIFS/PBS storage must judge what PVE mounts, not what the text seems to
say: keys PVE drops (unknown, malformed, duplicated) are gone, `local` is forced back to
the stock directory, network types are always shared and missing `content` takes the type
default [ST src/PVE/Storage/Plugin.pm parse_config, decode_value]. Each such correction is
reported as a diagnostic so the operator sees why the audit differs from the file.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import STORAGE_CFG, Snapshot
from proxguard.model.storage import Storage, StorageConfig
from proxguard.model.values import Prop
from proxguard.parsers import sectioncfg

PATH = "etc/pve/storage.cfg"

_COMMON = ("nodes", "disable", "content")
_MOUNTED = ("content-dirs", "prune-backups", "max-protected-backups", "format", "mkdir",
            "create-base-path", "create-subdirs", "bwlimit", "preallocation",
            "snapshot-as-volume-chain")
# Per-type keys: (required, optional) [ST src/PVE/Storage/*Plugin.pm options(), HEAD
# 0c56bad]; a key listed `fixed` without `optional` is required by check_config.
_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dir": (("path",), (*_COMMON, *_MOUNTED, "shared", "is_mountpoint")),
    "nfs": (("path", "server", "export"), (*_COMMON, *_MOUNTED, "options")),
    "cifs": (("path", "server", "share"), (*_COMMON, *_MOUNTED, "subdir", "username",
                                          "password", "domain", "smbversion", "options")),
    "cephfs": (("path",), (*_COMMON, "content-dirs", "monhost", "subdir", "options",
                           "username", "format", "mkdir", "create-base-path", "create-subdirs",
                           "fuse", "bwlimit", "keyring", "prune-backups",
                           "max-protected-backups", "fs-name")),
    "pbs": (("server", "datastore"), (*_COMMON, "namespace", "port", "username", "password",
                                      "encryption-key", "master-pubkey", "prune-backups",
                                      "max-protected-backups", "fingerprint")),
    "lvm": (("vgname",), (*_COMMON, "shared", "saferemove", "saferemove-stepsize",
                          "saferemove_throughput", "base", "tagged_only", "bwlimit",
                          "snapshot-as-volume-chain")),
    "lvmthin": (("vgname", "thinpool"), (*_COMMON, "bwlimit")),
    "zfspool": (("pool",), (*_COMMON, "blocksize", "sparse", "bwlimit", "mountpoint")),
    "zfs": (("portal", "target", "pool", "blocksize", "iscsiprovider"),
            (*_COMMON, "nowritecache", "sparse", "comstar_hg", "comstar_tg", "lio_tpg",
             "bwlimit", "zfs-base-path")),
    "rbd": ((), (*_COMMON, "monhost", "pool", "data-pool", "namespace", "username", "krbd",
                 "keyring", "bwlimit")),
    "iscsi": (("portal", "target"), (*_COMMON, "bwlimit")),
    "iscsidirect": (("portal", "target"), (*_COMMON, "bwlimit")),
    "btrfs": (("path",), (*_COMMON, "shared", "prune-backups", "max-protected-backups",
                          "format", "is_mountpoint", "nocow", "mkdir", "create-base-path",
                          "create-subdirs", "preallocation")),
    "esxi": (("server", "username"), (*_COMMON, "shared", "password",
                                       "skip-cert-verification", "port")),
}
# (valid content types, default content types) [ST *Plugin.pm plugindata()].
_ALL_FILE = frozenset({"images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"})
_IMG = frozenset({"images"})
_IMG_CT = frozenset({"images", "rootdir"})
_CONTENT: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "dir": (_ALL_FILE | {"none"}, _IMG_CT),
    "btrfs": (_ALL_FILE | {"none"}, _IMG_CT),
    "nfs": (_ALL_FILE, _IMG),
    "cifs": (_ALL_FILE, _IMG),
    "cephfs": (frozenset({"vztmpl", "iso", "backup", "snippets", "import"}),
               frozenset({"backup"})),
    "pbs": (frozenset({"backup", "none"}), frozenset({"backup"})),
    "lvm": (_IMG_CT, _IMG),
    "lvmthin": (_IMG_CT, _IMG_CT),
    "zfspool": (_IMG_CT, _IMG_CT),
    "rbd": (_IMG_CT, _IMG),
    "zfs": (_IMG, _IMG),
    "iscsi": (_IMG | {"none"}, _IMG),
    "iscsidirect": (_IMG | {"none"}, _IMG),
    "esxi": (frozenset({"import"}), frozenset({"import"})),
}
# ST Plugin.pm @SHARED_STORAGE: `shared` is forced to 1 for these types.
SHARED_TYPES = frozenset({"iscsi", "nfs", "cifs", "rbd", "cephfs", "iscsidirect", "zfs",
                          "drbd", "pbs"})
_BOOLEAN = frozenset({"disable", "shared", "sparse", "krbd", "nowritecache", "mkdir",
                      "create-base-path", "create-subdirs", "nocow", "saferemove",
                      "tagged_only", "fuse", "skip-cert-verification",
                      "snapshot-as-volume-chain"})
_INTEGER = frozenset({"port", "max-protected-backups", "saferemove_throughput"})
# ST Plugin.pm sensitive_properties / API2/Storage/Config.pm move these under
# /etc/pve/priv; `encryption-key`/`master-pubkey` stay in the file only as a fingerprint or
# `1` marker [ST PBSPlugin.pm], so only these two are abnormal when written here.
SECRETS = frozenset({"password", "keyring"})
# COM JSONSchema pve-storage-id: letter first, letters/digits/.-_ , not ending in . - _
_STORAGE_ID = re.compile(r"[a-z][a-z0-9._-]*[a-z0-9]", re.I)
_LOCAL_CONTENT = frozenset({"backup", "images", "iso", "rootdir", "snippets", "vztmpl"})


def load(snapshot: Snapshot, diags: Diagnostics) -> StorageConfig | None:
    """None when storage.cfg was not supplied (storage rules → not_evaluated)."""
    files = snapshot.of_kind(STORAGE_CFG)
    if not files:
        return None
    f = snapshot.get(PATH) or files[0]
    return parse(f.text, f.path, diags)


def parse(text: str, file: str, diags: Diagnostics) -> StorageConfig:
    sections = sectioncfg.parse(text, file, _SCHEMA, diags)
    cfg = StorageConfig(file=file)
    for sec in sections.values():
        missing = [k for k in _TYPES[sec.type][0] if k not in sec.props]
        if missing:
            diags.warning(file, sec.line, f"storage '{sec.id}' skipped by Proxmox: missing "
                          f"required option {', '.join(repr(k) for k in missing)}")
            continue
        cfg.storages[sec.id] = _storage(sec, file, diags)
    _force_local(cfg, file, diags)
    return cfg


def _storage(sec: sectioncfg.Section, file: str, diags: Diagnostics) -> Storage:
    for key in sorted(SECRETS & sec.props.keys()):
        diags.warning(file, sec.line_of(key), f"storage '{sec.id}': secret '{key}' is written "
                      "in storage.cfg; PVE keeps it under /etc/pve/priv/, so this copy is "
                      "readable by anyone who can read the file")
    content, is_default = _content(sec, file, diags)
    options = sec.get("options")
    nodes = tuple(n for n in re.split(r"[\s,;]+", sec.get("nodes") or "") if n)
    return Storage(
        id=sec.id, type=sec.type, props=dict(sec.props),
        options=[o for o in options.split(",") if o] if options else [],
        disabled=sec.get("disable") == "1",
        shared=sec.type in SHARED_TYPES or sec.get("shared") == "1",
        content=content, file=file, line=sec.line, content_default=is_default, nodes=nodes)


def _content(sec: sectioncfg.Section, file: str, diags: Diagnostics) -> tuple[frozenset[str], bool]:
    """ST Plugin.pm decode_value: unsupported types are dropped with a warning; `none`
    mixed with others, or nothing left, invalidates the key and the default applies."""
    valid, default = _CONTENT[sec.type]
    raw = sec.get("content")
    if raw is None:
        return default, True
    line = sec.line_of("content")
    kept = set()
    for c in (c for c in re.split(r"[\s,;\0]+", raw) if c):
        if c in valid:
            kept.add(c)
        else:
            diags.warning(file, line, f"storage '{sec.id}': content type '{c}' not supported "
                          f"by {sec.type} storage; Proxmox ignores it")
    problem = None
    if "none" in kept and len(kept) > 1:
        problem = "'none' cannot be combined with other content types"
    elif not kept and "none" not in valid:
        problem = "no supported content type"
    if problem:
        diags.warning(file, line, f"storage '{sec.id}': 'content' dropped by Proxmox "
                      f"({problem}); the {sec.type} default {', '.join(sorted(default))} "
                      "applies")
        del sec.props["content"]
        return default, True
    return frozenset(kept - {"none"}), False


def _force_local(cfg: StorageConfig, file: str, diags: Diagnostics) -> None:
    """ST Plugin.pm parse_config: `local` is always a dir storage at /var/lib/vz; any other
    definition is replaced, and node restrictions on it are removed."""
    local = cfg.storages.get("local")
    if local is None or local.type != "dir" or local.get("path") != "/var/lib/vz":
        if local is not None:
            diags.warning(file, local.line, f"storage 'local' ({local.type}, path "
                          f"{local.get('path')}) is replaced by Proxmox with the built-in "
                          "dir storage at /var/lib/vz")
        cfg.storages["local"] = Storage(
            id="local", type="dir",
            props={"path": Prop("/var/lib/vz", 0),
                   "prune-backups": Prop("keep-all=1", 0)},
            options=[], disabled=False, shared=False, content=_LOCAL_CONTENT, file=file,
            line=0, content_default=True)
        # PVE gives it priority 0: it is listed first.
        cfg.storages = {"local": cfg.storages.pop("local"), **cfg.storages}
        return
    if local.nodes:
        diags.info(file, local.line_of("nodes"), "storage 'local': 'nodes' is ignored by "
                   "Proxmox (local exists on every node)")
        local.props.pop("nodes", None)
        local.nodes = ()


def _check_id(_typ: str, sid: str) -> str | None:
    if not _STORAGE_ID.fullmatch(sid):
        return f"'{sid}' is not a valid storage ID"
    return None


def _check_value(typ: str, key: str, raw: str | None) -> tuple[str | None, str | None]:
    required, optional = _TYPES[typ]
    if key == "maxfiles":
        # ST debian/changelog 9.0.9: maxfiles removed; old files now warn on it.
        return None, ("'maxfiles' was removed in PVE 9 (libpve-storage-perl 9.0.9); "
                      "use 'prune-backups keep-last=N'")
    if key not in required and key not in optional:
        return None, f"unexpected property '{key}' for {typ} storage"
    if key in _BOOLEAN:
        return sectioncfg.check_boolean(raw)
    if key in _INTEGER:
        return sectioncfg.check_integer(raw)
    if key == "options" and raw is not None and not re.fullmatch(r"\S+", raw):
        # ST Plugin.pm verify_options: mount options are one token without whitespace.
        return None, f"invalid options '{raw}' (must be one comma list without spaces)"
    return sectioncfg.check_string(raw)


_SCHEMA = sectioncfg.Schema(types=frozenset(_TYPES), check_value=_check_value,
                            check_id=_check_id)
