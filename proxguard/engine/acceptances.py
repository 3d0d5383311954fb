"""Acceptances (waivers): a justified, scoped exception recorded instead of silenced.

An acceptance covers exactly one (rule, target) pair, needs a reason, and stops covering
after its expiry date. One that matches no failing target is reported as stale, so an
exception cannot quietly outlive the risk it was written for.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass

from proxguard.diagnostics import Diagnostics


@dataclass(frozen=True, slots=True)
class Acceptance:
    rule: str
    target: str
    reason: str
    expires: dt.date | None = None
    line: int = 0  # index of the [[accept]] table, 1-based, for diagnostics

    def active(self, now: int) -> bool:
        if self.expires is None:
            return True
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        return today <= self.expires

    def to_json(self) -> dict[str, str]:
        out = {"rule": self.rule, "target": self.target, "reason": self.reason}
        if self.expires is not None:
            out["expires"] = self.expires.isoformat()
        return out


class AcceptanceError(ValueError):
    """The acceptances file cannot be used at all (not TOML)."""


def parse_acceptances(text: str, path: str, diags: Diagnostics) -> list[Acceptance]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AcceptanceError(f"{path}: not valid TOML ({exc})") from exc
    entries = data.get("accept", [])
    if not isinstance(entries, list):
        raise AcceptanceError(f"{path}: `accept` must be an array of tables ([[accept]])")
    out: list[Acceptance] = []
    for i, entry in enumerate(entries, start=1):
        acc = acceptance_from(entry, f"[[accept]] #{i}", i, path, diags)
        if acc is not None:
            out.append(acc)
    return out


def acceptance_from(entry: object, where: str, index: int, path: str, diags: Diagnostics,
                    consequence: str = "ignored") -> Acceptance | None:
    """One acceptance from a TOML table or the page's JSON object, judged one way for
    both: rule and target are needed, a reason is required (its whitespace collapsed, so
    an exported file says what was imported), `expires` is a date (TOML) or an ISO date
    string (JSON). A bad entry becomes a diagnostic saying what becomes of it
    (`consequence`: ignored when applying or importing, left out when exporting)."""
    if not isinstance(entry, dict):
        diags.error(path, 0, f"{where}: not an object; {consequence}")
        return None
    rule, target = entry.get("rule"), entry.get("target")
    if not (isinstance(rule, str) and rule.strip() and isinstance(target, str)
            and target.strip()):
        diags.error(path, 0, f"{where}: needs a rule and a target; {consequence}")
        return None
    rule, target = rule.strip(), target.strip()
    reason = entry.get("reason")
    if not (isinstance(reason, str) and reason.strip()):
        diags.error(path, 0, f"{where} ({rule} {target}): a reason is required; {consequence}")
        return None
    try:
        expires = _expiry(entry.get("expires"))
    except ValueError:
        diags.error(path, 0, f"{where} ({rule} {target}): expiry {entry.get('expires')!r} is "
                    f"not a date like 2027-06-30; {consequence}")
        return None
    return Acceptance(rule, target, " ".join(reason.split()), expires, index)


def _expiry(value: object) -> dt.date | None:
    """The expiry as a date, None when absent or empty; ValueError when not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"not a date: {value!r}")


def dump_acceptances(items: list[Acceptance]) -> str:
    """TOML text for export (the web app's "export acceptances")."""
    lines: list[str] = []
    for a in items:
        lines.append("[[accept]]")
        lines.append(f"rule = {_toml_str(a.rule)}")
        lines.append(f"target = {_toml_str(a.target)}")
        lines.append(f"reason = {_toml_str(a.reason)}")
        if a.expires is not None:
            lines.append(f"expires = {a.expires.isoformat()}")
        lines.append("")
    return "\n".join(lines)


def _toml_str(s: str) -> str:
    esc = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{esc}"'
