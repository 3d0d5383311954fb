"""The request side of the browser façade: payload errors and the page's inputs.

Every handler (`facade`, `fix`, `firewall`) reads the page's files, claimed kinds,
tarballs, profile and acceptances through here, so the audit, the Firewall tab and the
fix panel always see the same snapshot. It imports no handler module, which is what lets
the handler modules import it at the top instead of late.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Mapping
from typing import Any

from proxguard.engine.acceptances import Acceptance, AcceptanceError, parse_acceptances
from proxguard.engine.audit import Report, audit
from proxguard.engine.profiles import PROFILES
from proxguard.inputs import (
    KIND_LABELS,
    KINDS,
    UNKNOWN,
    InputError,
    Snapshot,
    canonical_path,
    detect_kind,
    kind_from_path,
    normalise_path,
)
from proxguard.inputs.kinds import compatible_kinds, detect_kind_as
from proxguard.inputs.loose import kind_from_name

Payload = Mapping[str, Any]
# Why an archive gave no file: said beside it, so "0 file(s)" is never a riddle.
EMPTY_ARCHIVE = ("no configuration file in this archive: ProxGuard reads etc/ssh/…, "
                 "etc/pve/… and commands/… (the collector's layout), optionally under one "
                 "top folder; anything else inside is ignored")


class PayloadError(ValueError):
    """The page sent something the façade cannot use; the message is shown to the user."""


def snapshot_from(payload: Payload) -> tuple[Snapshot, list[dict[str, Any]]]:
    """The page's inputs (files, claimed kinds, tarballs) as a snapshot, plus what became
    of each input. Every façade handler reads inputs through here, so the audit, the
    Firewall tab and the fix panel always see the same files."""
    snap = Snapshot()
    inputs = _add_files(snap, _str_map(payload, "files"), _str_map(payload, "kinds"))
    inputs += _add_tarballs(snap, payload.get("tarballs") or [])
    if sum(1 for i in inputs if i["kind"] == "tarball" and i.get("files")) > 1:
        # Two hosts' archives in one snapshot would be judged as one host (web/fleet.py
        # audits them side by side instead).
        raise PayloadError("several archives are several hosts: the page audits them as a "
                           "fleet; this view works on one host at a time")
    return snap, inputs


def run_audit(payload: Payload) -> tuple[Report, list[dict[str, Any]]]:
    """The page's audit as engine objects (the fix planner needs findings, not JSON)."""
    profile = payload.get("profile") or "extended"
    if profile not in PROFILES:
        raise PayloadError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    now = payload.get("now")
    if now is not None and (not isinstance(now, int) or isinstance(now, bool)):
        raise PayloadError("`now` must be epoch seconds (an integer)")
    snap, inputs = snapshot_from(payload)
    acceptances = _acceptances(payload.get("acceptances"), snap)
    return audit(snap, profile=profile, now=now, acceptances=acceptances), inputs


def _str_map(payload: Payload, key: str) -> dict[str, str]:
    value = payload.get(key) or {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PayloadError(f"`{key}` must be an object of name → text")
    return value


def host_path(name: str) -> str:
    """A dropped folder arrives as `mybackup/etc/pve/user.cfg`: cut the folder part so the
    file lands at its host path, where Include globs and path-based kinds find it."""
    norm = normalise_path(name)
    parts = norm.split("/")
    for i, part in enumerate(parts):
        if part in ("etc", "commands"):
            rest = "/".join(parts[i:])
            if kind_from_path(rest) is not None or rest.startswith("etc/ssh/"):
                return rest
    return norm


def _add_files(snap: Snapshot, files: dict[str, str],
               kinds: dict[str, str]) -> list[dict[str, Any]]:
    out: list[tuple[int, dict[str, Any]]] = []
    moved: list[tuple[int, str, str, str, str, str]] = []
    for n, (name, text) in enumerate(files.items()):
        claimed = kinds.get(name) or None
        if claimed in ("auto", UNKNOWN):
            claimed = None
        if claimed is not None and claimed not in KINDS:
            raise PayloadError(f"{name}: unknown file kind {claimed!r}")
        path = host_path(name)
        if claimed is None and kind_from_path(path) is None:
            # a loose file or the "detect" box: give it the host path of what it looks like
            detected = kind_from_name(posixpath.basename(path)) or detect_kind(text)
            claimed = detected if detected != UNKNOWN else None
        elif claimed is not None and (other := _wrong_box(claimed, text)) is not None:
            moved.append((n, name, path, text, claimed, other))
            continue
        out.append((n, _add_one(snap, name, path, text, claimed)))
    # after every file that is where it belongs, so a box's own file wins over a stray one
    out += [(n, _move(snap, name, path, text, box, other))
            for n, name, path, text, box, other in moved]
    return [entry for _, entry in sorted(out, key=lambda item: item[0])]


def _wrong_box(claimed: str, text: str) -> str | None:
    """The kind a box's text really is, when it is clearly another kind: graded as the
    box's kind it would be misread (storage.cfg lines read as user.cfg entries)."""
    detected = detect_kind_as(text, claimed)  # a dump that cannot tell its family stays put
    if detected in (UNKNOWN, claimed) or compatible_kinds(claimed, detected):
        return None
    return detected


def _move(snap: Snapshot, name: str, path: str, text: str, box: str,
          kind: str) -> dict[str, Any]:
    """A box's text that is another kind: audited as that kind (with a note beside the
    box), or refused when that kind's file is already given."""
    label, box_label = KIND_LABELS[kind], KIND_LABELS[box]
    if kind == "sshd_config":  # the main config, not a drop-in named after the box
        path = "pasted-file"
    dest = canonical_path(path, kind)
    if dest in snap.files:
        message = (f"this looks like {label}, not {box_label}; not audited, because "
                   f"{dest} is already given")
        snap.diagnostics.warning(name, 0, message)
        return {"name": name, "path": None, "kind": None, "label": None,
                "messages": [message], "refused": True}
    entry = _add_one(snap, name, path, text, kind)
    note = f"this looks like {label}, not {box_label}: audited as {label} ({entry['path']})"
    snap.diagnostics.info(name, 0, note)
    entry["messages"] = [note, *entry["messages"]]
    entry["moved_from"] = box
    return entry


def _add_one(snap: Snapshot, name: str, path: str, text: str,
             kind: str | None) -> dict[str, Any]:
    """Add one input and keep the messages its adding produced (kind mismatch, refused
    secret, duplicate), so the page can show them beside the box the text came from."""
    before = len(snap.diagnostics)
    added = snap.add(path, text, kind)
    messages = [d.message for d in snap.diagnostics[before:]]
    entry: dict[str, Any] = {"name": name, "path": added.path if added else None,
                             "kind": added.kind if added else None,
                             "label": KIND_LABELS.get(added.kind, added.kind) if added else None,
                             "messages": messages}
    return entry


def _add_tarballs(snap: Snapshot, tarballs: object) -> list[dict[str, Any]]:
    if not isinstance(tarballs, list):
        raise PayloadError("`tarballs` must be a list of base64 strings")
    out = []
    for i, item in enumerate(tarballs, start=1):
        label, data = tarball_item(item, i)
        before = dict(snap.files)
        start = len(snap.diagnostics)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            snap.diagnostics.error(label, 0, "not base64 data; the archive was not read")
        else:
            try:
                snap.add_tarball(raw, label)
            except InputError as exc:
                snap.diagnostics.error(label, 0, str(exc))
        added = sorted(p for p, f in snap.files.items() if before.get(p) is not f)
        messages = [d.message for d in snap.diagnostics[start:]]
        if not added and not messages:
            messages.append(EMPTY_ARCHIVE)
        out.append({"name": label, "path": None, "kind": "tarball",
                    "label": f"archive with {len(added)} file(s)", "files": added,
                    "messages": messages})
    return out


def tarball_item(item: object, i: int) -> tuple[str, str]:
    if isinstance(item, str):
        return f"archive {i}", item
    if isinstance(item, dict) and isinstance(item.get("data"), str):
        return str(item.get("name") or f"archive {i}"), item["data"]
    raise PayloadError("each tarball must be a base64 string or {name, data}")


def _acceptances(text: object, snap: Snapshot) -> list[Acceptance]:
    if not text:
        return []
    if not isinstance(text, str):
        raise PayloadError("`acceptances` must be the text of an acceptances TOML file")
    try:
        return parse_acceptances(text, "acceptances.toml", snap.diagnostics)
    except AcceptanceError as exc:
        raise PayloadError(str(exc)) from exc
