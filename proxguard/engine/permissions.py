"""`proxguard permissions`: the effective-permission matrix of a snapshot, for scripts
(JSON `proxguard-permissions/1`), people (text table) and the page's Access tab.

Reads user.cfg exactly as the audit does (parsers/usercfg.py, so the lines Proxmox
ignores are ignored here too, each with a diagnostic) and asks the model for one cell
per subject × path (model/permission_matrix.py). Subjects and paths given by the caller
are checked here: a typo must be a clear error, not an empty answer that reads as
"no access".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from proxguard.diagnostics import Diagnostic, Diagnostics
from proxguard.inputs import USER_CFG, InputError, Snapshot
from proxguard.model.access import ROOT, AccessControl, split_tokenid
from proxguard.model.permission_matrix import (
    MAX_CELLS,
    SCHEMA,
    Cell,
    cell,
    default_paths,
    default_subjects,
    read_path,
    subjects_named,
    valid_subject,
)
from proxguard.parsers import usercfg


@dataclass(frozen=True, slots=True)
class Subject:
    """A matrix row: a user, or a token shown under its owner."""

    id: str
    kind: str  # "user" | "token"
    owner: str  # the user itself for a user row
    privsep: bool | None  # tokens only; None for users and undefined tokens
    defined: bool
    enabled: bool  # the owner's enable flag (a token of a disabled user cannot log in)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "owner": self.owner,
                "privsep": self.privsep, "defined": self.defined, "enabled": self.enabled}


@dataclass(slots=True)
class PermissionView:
    subjects: list[Subject]
    paths: list[str]
    cells: list[Cell]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The CLI contract (DESIGN.md §7): schema and entries, nothing else."""
        return {"schema": SCHEMA, "entries": [c.to_json() for c in self.cells]}


def load_access(snapshot: Snapshot) -> tuple[AccessControl, list[Diagnostic]]:
    """user.cfg as the audit reads it. ACLs, roles, groups and pools live only there, so
    a snapshot without one cannot answer (a token listing alone says nothing of ACLs)."""
    if not snapshot.of_kind(USER_CFG):
        raise InputError("no etc/pve/user.cfg in these inputs; effective permissions need "
                         "it (ACLs, roles, groups and pools live there)")
    diags = Diagnostics()
    ac = usercfg.load(snapshot, diags)
    assert ac is not None  # a user.cfg was supplied
    return ac, [d for d in diags if d.file == ac.acl_source]


def _subjects(ac: AccessControl, wanted: Sequence[str]) -> list[Subject]:
    ids = list(dict.fromkeys(wanted)) if wanted else default_subjects(ac)
    bad = [s for s in ids if not valid_subject(s)]
    if bad:
        raise ValueError(f"--subject {bad[0]!r} is neither a user id (name@realm) nor a "
                         "token id (name@realm!token)")
    out = []
    for sid in ids:
        split = split_tokenid(sid)
        owner = split[0] if split else sid
        user = ac.users.get(owner)
        enabled = user is not None and user.enable
        if split:
            tok = ac.tokens.get(sid)
            out.append(Subject(sid, "token", owner, tok.privsep if tok else None,
                               tok is not None, enabled))
        else:
            out.append(Subject(sid, "user", owner, None, user is not None, enabled))
    return out


def _paths(ac: AccessControl, wanted: Sequence[str]) -> list[str]:
    """Given paths, normalised; '' (and '0') is no path, as the permissions API's
    `if (my $path = $param->{path})` reads it: the default set then."""
    given = [p for p in wanted if p not in ("", "0")]
    if not given:
        return default_paths(ac)
    out: list[str] = []
    for raw in given:
        norm = read_path(raw)
        if norm is None:
            raise ValueError(f"--acl-path {raw!r} is not an ACL path Proxmox accepts "
                             "(letters, digits, '.', '-', '_' and '/')")
        if norm not in out:
            out.append(norm)
    return out


def permission_view(snapshot: Snapshot, subjects: Sequence[str] = (),
                    paths: Sequence[str] = (), now: int | None = None) -> PermissionView:
    """The matrix; raises InputError (no user.cfg) or ValueError (a bad subject or path,
    or a cross product over MAX_CELLS). `now` (epoch seconds, default the current time)
    is when disabled/expired users and tokens are judged, for the notes only."""
    ac, diags = load_access(snapshot)
    rows = _subjects(ac, subjects)
    cols = _paths(ac, paths)
    if len(rows) * len(cols) > MAX_CELLS:
        raise ValueError(f"{len(rows)} subjects × {len(cols)} paths is more than "
                         f"{MAX_CELLS} cells; narrow it with --subject or --acl-path")
    when = int(time.time()) if now is None else now
    cells = [cell(ac, s.id, p, when) for s in rows for p in cols]
    return PermissionView(rows, cols, cells, diags)


__all__ = ["ROOT", "PermissionView", "Subject", "load_access", "permission_view",
           "subjects_named"]
