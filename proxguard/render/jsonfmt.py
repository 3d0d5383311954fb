"""The report as JSON: stable key order as built, two-space indent, UTF-8 kept readable."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
