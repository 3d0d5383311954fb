"""The Access tab's door into the engine: the effective-permission matrix of the inputs.

A façade handler like those in `proxguard.web.facade` (payload dict in, JSON-able dict
out; `protocol.PayloadError` for a request the page got wrong). The matrix, each cell's
roles, privileges, tier and deciding lines, and the HTML the page shows all come from
Python (`proxguard.engine.permissions`, `proxguard.render.permissions`); the page only
moves HTML into place and reveals a cell's details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxguard.engine.permissions import permission_view
from proxguard.inputs import InputError
from proxguard.render.permissions import render_access_tab
from proxguard.web.protocol import Payload, PayloadError, snapshot_from

# A page cannot usefully show more cells than this; the CLI has no such limit below
# MAX_CELLS and takes --subject/--acl-path to narrow the matrix.
PAGE_CELLS = 6000


def _strings(payload: Payload, key: str) -> list[str]:
    value = payload.get(key) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise PayloadError(f"`{key}` must be a list of strings")
    return value


def access(payload: Payload) -> dict[str, Any]:
    """The matrix for the page's inputs: the contract JSON, the rows, and the tab's HTML."""
    snap = snapshot_from(payload)[0]
    try:
        view = permission_view(snap, _strings(payload, "subjects"), _strings(payload, "paths"))
    except (InputError, ValueError) as exc:
        raise PayloadError(str(exc)) from exc
    if len(view.cells) > PAGE_CELLS:
        raise PayloadError(f"{len(view.subjects)} subjects × {len(view.paths)} paths is too "
                           f"large a matrix for the page (over {PAGE_CELLS} cells); use "
                           "`proxguard permissions` with --subject or --acl-path")
    data = view.to_json()
    subjects = [s.to_json() for s in view.subjects]
    diags = [d.to_json() for d in view.diagnostics if d.level != "info"]
    return {"permissions": data, "subjects": subjects, "paths": view.paths,
            "html": render_access_tab(data, subjects, view.paths, diags)}


ACCESS_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {"access": access}
