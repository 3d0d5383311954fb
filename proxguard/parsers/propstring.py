"""Proxmox property strings: `key=value,key=value` with an optional leading default key.

LXC `features`/`netN`/`mpN`/`rootfs`, QEMU `netN`/`agent` and realm `tfa` all use this
one format (COM JSONSchema.pm parse_property_string). Proxmox rejects the whole string on
any fault; an auditor cannot stop there, so we keep what can be read and return the faults
beside it, which the caller turns into diagnostics with its own file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEYED = re.compile(r"^([^=]+)=(.+)$", re.S)


@dataclass(slots=True)
class PropertyString:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def flag(self, key: str) -> bool | None:
        """A boolean sub-option: True/False, or None when absent or not a boolean."""
        raw = self.values.get(key)
        return None if raw is None else parse_boolean(raw)


def parse_boolean(raw: str) -> bool | None:
    """COM JSONSchema.pm parse_boolean (property strings, LXC/QEMU top-level booleans):
    1/on/yes/true and 0/off/no/false, case-insensitive; anything else is not a boolean."""
    low = raw.strip().lower()
    if low in ("1", "on", "yes", "true"):
        return True
    if low in ("0", "off", "no", "false"):
        return False
    return None


def parse_property_string(data: str, default_key: str | None = None) -> PropertyString:
    """Split on `,` (no quoting: COM parse_property_string splits on every comma); a part
    without `=` is the value of `default_key`. Duplicate keys keep the first value and are
    reported, as PVE would refuse the string. Never raises."""
    out = PropertyString()
    for part in data.split(","):
        if part.strip() == "":
            continue
        keyed = _KEYED.match(part)
        if keyed is not None:
            key, value = keyed.group(1).strip(), keyed.group(2).strip()
        elif "=" not in part:
            if default_key is None:
                out.problems.append(f"value '{part.strip()}' without a key")
                continue
            key, value = default_key, part.strip()
        else:
            out.problems.append(f"'{part.strip()}' has an empty key or value")
            continue
        if key in out.values:
            out.problems.append(f"duplicate key '{key}' (first value kept)")
            continue
        out.values[key] = value
    return out
