"""The page's fleet: several collector archives dropped at once, each audited on its own.

Façade handlers like those in `proxguard.web.facade` (payload dict in, JSON-able dict out;
`PayloadError` for a request the page got wrong); `facade.py` registers `FLEET_HANDLERS`.
Each archive goes through exactly the single-host path (`protocol.run_audit` with that one
archive), so a host reads the same alone or in a fleet, and the fleet table is the CLI's
own template.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable, Mapping
from typing import Any

from proxguard.fleet.hosts import first_member_name, name_from
from proxguard.fleet.report import HostOutcome, build_fleet
from proxguard.render.fleet_html import render_fleet_table
from proxguard.render.html import render_fragment
from proxguard.web.protocol import PayloadError, run_audit, tarball_item

Payload = Mapping[str, Any]
MAX_ARCHIVES = 200  # a browser tab is not the place for a 1,000-host fleet: use the CLI


def _first_member(data: object) -> str | None:
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return first_member_name(io.BytesIO(raw))


def _one_host(payload: Payload, item: object, index: int) -> tuple[HostOutcome, str]:
    label, data = tarball_item(item, index)
    sub = {k: payload[k] for k in ("profile", "now", "acceptances") if k in payload}
    report, inputs = run_audit({**sub, "tarballs": [item]})
    data_json = report.to_json()
    read = inputs[0].get("files") or []
    error = None if read else ("; ".join(inputs[0].get("messages") or [])
                               or "no configuration file in this archive")
    name = name_from([_first_member(data), label], read, label)
    outcome = HostOutcome(name, label, "tarball", None if error else data_json, error)
    return outcome, "" if error else render_fragment(data_json)


def fleet(payload: Payload) -> dict[str, Any]:
    """Audit every archive separately; return the fleet document, the summary table's
    HTML and each host's report fragment (the page shows one at a time)."""
    tarballs = payload.get("tarballs") or []
    if not isinstance(tarballs, list) or not tarballs:
        raise PayloadError("`tarballs` must be a non-empty list of archives")
    if len(tarballs) > MAX_ARCHIVES:
        raise PayloadError(f"{len(tarballs)} archives: the page audits at most "
                             f"{MAX_ARCHIVES} at once; use `proxguard audit DIR` for more")
    if payload.get("files"):
        raise PayloadError("loose files beside several archives could belong to any host; "
                             "remove them or put them in their host's archive")
    pairs = [_one_host(payload, item, i) for i, item in enumerate(tarballs, start=1)]
    outcomes = [o for o, _ in pairs]
    doc = build_fleet(outcomes, str(payload.get("profile") or "extended"), {})
    return {"fleet": doc, "table": render_fleet_table(doc),
            "hosts": [{"host": o.host, "path": o.path, "grade": o.report and o.report["grade"],
                       "error": o.error, "html": html} for o, html in pairs]}


FLEET_HANDLERS: dict[str, Callable[[Payload], dict[str, Any]]] = {"fleet": fleet}
