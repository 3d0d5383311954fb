"""pgstub's storage and backup-job handlers: `pvesm set` on storage.cfg and the
`/cluster/backup*` API on jobs.cfg, each applied to the copied host tree the way PVE
writes the file.

Sources (the semantics these follow; no code is taken from them):
- pve-common `src/PVE/SectionConfig.pm` write_config: a section is `type: id`, then
  `\\tkey value` lines, required keys first, then the optional ones sorted; booleans are
  written 0/1; a blank line ends the section. The stub rewrites the one section it
  changes that way and leaves the others' text alone (PVE rewrites every section the
  same way, which changes no value).
- pve-common `src/PVE/Job/Registry.pm`: `schedule` is the jobs' required key; a job
  without `enabled` reads as enabled 1.
- pve-storage `src/PVE/CLI/pvesm.pm` param_mapping: `--encryption-key` takes `autogen` or
  a key FILE; `src/PVE/Storage/PBSPlugin.pm` on_update_hook: the key goes to
  /etc/pve/priv/storage/<id>.enc (autogen first renames an old one to .enc.old) and
  storage.cfg keeps only the key's fingerprint; pve-common JSONSchema `fingerprint-sha256`
  is the pattern `--fingerprint` must match.
- pve-manager `PVE/API2/Backup.pm` (create_job, read_job, update_job: a new `vmid` drops
  `all`/`exclude`/`pool`), `PVE/API2/Cluster/BackupInfo.pm` not-backed-up (every vzdump
  job counts, enabled or not) and `PVE/VZDump.pm` get_included_guests (`pool`, else
  `vmid`, else `all` minus `exclude`; `node` limits a job to that node's guests).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

Die = Callable[..., None]
SECTION_HEAD = re.compile(r"^([a-z][a-z0-9-]*):\s*(\S+)\s*$")
FINGERPRINT = re.compile(r"^([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}$")
BOOLEANS = ("enabled", "all", "repeat-missed", "remove", "quiet", "stdexcludes", "protected")


# -- sections (storage.cfg, jobs.cfg) -------------------------------------------------------

def sections(text: str) -> list[tuple[str, str, list[str]]]:
    """(type, id, lines) per section; lines before the first header have type ""."""
    out: list[tuple[str, str, list[str]]] = [("", "", [])]
    for line in text.splitlines():
        m = SECTION_HEAD.match(line)
        if m:
            out.append((m.group(1), m.group(2), [line]))
        else:
            out[-1][2].append(line)
    return out


def props(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines[1:]:
        words = line.strip().split(None, 1)
        if words:
            out[words[0]] = words[1] if len(words) > 1 else "1"
    return out


# Each section type's required (non-optional) keys, written first, sorted (the storage
# plugins' options(); jobs: Job/Registry.pm).
REQUIRED = {"pbs": ("datastore", "server"), "nfs": ("export", "path", "server"),
            "cifs": ("path", "server", "share"), "dir": ("path",),
            "lvmthin": ("thinpool", "vgname"), "lvm": ("vgname",), "zfspool": ("pool",),
            "vzdump": ("schedule",)}


def format_section(kind: str, sid: str, values: dict[str, str]) -> list[str]:
    """SectionConfig write_config: header, comment, `disable` (a bare flag), the required
    keys sorted, then the optional ones sorted, and the blank line that ends it."""
    lines = [f"{kind}: {sid}"]
    if values.get("comment"):
        lines.append(f"\tcomment {values['comment']}")
    if values.get("disable") not in (None, "0"):
        lines.append("\tdisable")
    required = sorted(k for k in values if k in REQUIRED.get(kind, ()))
    rest = sorted(k for k in values if k not in (*required, "comment", "disable"))
    return [*lines, *(f"\t{k} {values[k]}" for k in [*required, *rest] if values[k] != ""), ""]


def write_sections(path: Path, secs: list[tuple[str, str, list[str]]]) -> None:
    lines = [line for _, _, body in secs for line in body]
    while lines and not lines[-1].strip():
        lines.pop()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _blank_before(secs: list[tuple[str, str, list[str]]]) -> None:
    """A new section after the last one: that one ends with its blank line."""
    body = secs[-1][2]
    if body and body[-1].strip():
        body.append("")


# -- pvesm set -------------------------------------------------------------------------------

def _key_value(root: Path, sid: str, value: str, die: Die) -> str:
    """--encryption-key autogen|FILE: store the key as PBSPlugin does, return what
    storage.cfg keeps (the key's fingerprint, or 1)."""
    keyfile = root / f"etc/pve/priv/storage/{sid}.enc"
    keyfile.parent.mkdir(parents=True, exist_ok=True)
    if value == "autogen":
        if keyfile.exists():
            keyfile.rename(keyfile.with_name(keyfile.name + ".old"))
        digest = hashlib.sha256(f"proxguard-stub-key:{sid}".encode()).hexdigest()
        key = {"kdf": None, "data": digest,
               "fingerprint": ":".join(digest[i:i + 2] for i in range(0, 64, 2))}
        text = json.dumps(key)
    else:
        try:
            text = Path(value).read_text(encoding="utf-8")
            key = json.loads(text)
        except (OSError, ValueError):
            key = {}
        if not isinstance(key, dict) or "data" not in key:
            die("Value does not seems like a valid, JSON formatted encryption key!")
    keyfile.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return str(key.get("fingerprint") or 1)


def pvesm_set(root: Path, sid: str, o: dict[str, str], die: Die) -> None:
    path = root / "etc/pve/storage.cfg"
    secs = sections(path.read_text(encoding="utf-8") if path.exists() else "")
    hit = next((i for i, s in enumerate(secs) if s[1] == sid and s[0]), None)
    if hit is None:
        die(f"storage '{sid}' does not exist")
        raise AssertionError
    if "fingerprint" in o and not FINGERPRINT.match(o["fingerprint"]):
        die("400 Parameter verification failed.\n"
            "fingerprint: value does not match the regex pattern")
    if "encryption-key" in o:
        o["encryption-key"] = _key_value(root, sid, o["encryption-key"], die)
    kind, _, body = secs[hit]
    values = props(body)
    for key in [k for k in o.pop("delete", "").split(",") if k]:
        values.pop(key, None)
    values.update(o)
    secs[hit] = (kind, sid, format_section(kind, sid, values))
    write_sections(path, secs)


# -- the backup job API ----------------------------------------------------------------------

CONFIGID = re.compile(r"[a-z][a-z0-9_-]+", re.I)  # pve-common JSONSchema $CONFIGID_RE


def _jobs(root: Path) -> tuple[Path, list[tuple[str, str, list[str]]]]:
    """jobs.cfg's sections; one whose id is not a pve-configid is kept as text but typed
    "" (SectionConfig parse_section_header skips such a section: no job)."""
    path = root / "etc/pve/jobs.cfg"
    secs = sections(path.read_text(encoding="utf-8") if path.exists() else "")
    return path, [(kind if CONFIGID.fullmatch(sid) else "", sid, body)
                  for kind, sid, body in secs]


def _job_json(sid: str, values: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {"id": sid, "type": "vzdump", "enabled": 1}
    for k, v in values.items():
        out[k] = int(v) if k in BOOLEANS and v in ("0", "1") else v
    return out


def backup_get(root: Path, rest: str, die: Die) -> object:
    """GET /cluster/backup[/<id>] (read_job: `enabled` defaults to 1)."""
    _, secs = _jobs(root)
    jobs = {sid: props(body) for kind, sid, body in secs if kind == "vzdump"}
    if not rest:
        return [_job_json(sid, v) for sid, v in jobs.items()]
    if rest not in jobs:
        die(f"400 Parameter verification failed.\nid: No such job '{rest}'")
    return _job_json(rest, jobs[rest])


def _selection(values: dict[str, str], die: Die) -> None:
    """verify_vzdump_parameters (PVE/VZDump.pm), which create_job and update_job call."""
    for key in ("all", "exclude", "pool"):
        if values.get(key) not in (None, "", "0") and values.get("vmid") not in (None, "", "0"):
            die(f"400 Parameter verification failed.\n{key}: option conflicts with option "
                "'vmid'")
    if not any(values.get(k) for k in ("vmid", "all", "pool")):
        die("400 Parameter verification failed.\n"
            "vmid: property is missing and it is not optional (or use --all, --pool)")


def backup_create(root: Path, o: dict[str, str], die: Die) -> None:
    """POST /cluster/backup: a new `vzdump:` section, enabled 1 unless given."""
    path, secs = _jobs(root)
    sid = o.pop("id", None) or str(uuid.uuid4())
    if not CONFIGID.fullmatch(sid):
        die(f"400 Parameter verification failed.\nid: invalid configuration ID '{sid}'")
    if any(s[1] == sid and s[0] for s in secs):
        die(f"Job '{sid}' already exists")
    if not o.get("schedule"):
        die("400 Parameter verification failed.\nschedule: neither 'starttime' nor "
            "'schedule' were set")
    o.setdefault("enabled", "1")
    _selection(o, die)
    _blank_before(secs)
    secs.append(("vzdump", sid, format_section("vzdump", sid, o)))
    write_sections(path, secs)


def backup_set(root: Path, sid: str, o: dict[str, str], die: Die) -> None:
    """PUT /cluster/backup/<id> (update_job): --delete first, then the new values; a new
    `vmid` drops `all`, `exclude` and `pool`, a new `all` drops `vmid` and `pool`."""
    path, secs = _jobs(root)
    hit = next((i for i, s in enumerate(secs) if s[0] == "vzdump" and s[1] == sid), None)
    if hit is None:
        die("no such vzdump job")
        raise AssertionError
    values = props(secs[hit][2])
    for key in [k for k in o.pop("delete", "").split(",") if k]:
        values.pop(key, None)
    values.update(o)
    if "vmid" in o:
        for k in ("all", "exclude", "pool"):
            values.pop(k, None)
    elif o.get("all") == "1":
        values.pop("vmid", None)
        values.pop("pool", None)
    _selection(values, die)
    secs[hit] = ("vzdump", sid, format_section("vzdump", sid, values))
    write_sections(path, secs)


def _guests(root: Path) -> dict[int, tuple[str, str, str | None]]:
    """vmid → (type, node, name), as PVE::Cluster::get_vmlist sees the node dirs."""
    out: dict[int, tuple[str, str, str | None]] = {}
    for conf in sorted(root.glob("etc/pve/nodes/*/*/*.conf")):
        kind = {"lxc": "lxc", "qemu-server": "qemu"}.get(conf.parent.name)
        if kind is None or not conf.stem.isdigit():
            continue
        text = conf.read_text(encoding="utf-8", errors="replace").split("\n[", 1)[0]
        m = re.search(r"^(?:hostname|name):\s*(\S+)", text, re.M)
        out[int(conf.stem)] = (kind, conf.parent.parent.name, m.group(1) if m else None)
    return out


def _pool_members(root: Path, pool: str) -> list[int]:
    cfg = root / "etc/pve/user.cfg"
    for line in cfg.read_text(encoding="utf-8").splitlines() if cfg.exists() else []:
        f = line.split(":")
        if f[0] == "pool" and len(f) > 3 and f[1] == pool:
            return [int(v) for v in f[3].split(",") if v.isdigit()]
    return []


def _ids(text: str) -> list[int]:
    return [int(v) for v in re.split(r"[,;\s]+", text or "") if v.isdigit()]


def not_backed_up(root: Path) -> list[dict[str, object]]:
    """GET /cluster/backup-info/not-backed-up: guests no vzdump job includes."""
    guests = _guests(root)
    included: set[int] = set()
    _, secs = _jobs(root)
    for kind, _, body in secs:
        if kind != "vzdump":
            continue
        job = props(body)
        if job.get("pool"):
            ids = _pool_members(root, job["pool"])
        elif job.get("vmid"):
            ids = _ids(job["vmid"])
        elif job.get("all") == "1":
            ids = [g for g in guests if g not in _ids(job.get("exclude", ""))]
        else:
            ids = []
        included |= {v for v in ids
                     if not (v in guests and job.get("node") not in (None, guests[v][1]))}
    out: list[dict[str, object]] = []
    for vmid, (kind, _, name) in sorted(guests.items()):
        if vmid not in included:
            out.append({"vmid": vmid, "type": kind, **({"name": name} if name else {})})
    return out
