"""Embed the collector script (scripts/proxguard-collect.sh) into the built pages.

The "Collecting the files" tab offers the collector as a download that works from
file:// and offline, so the script travels inside the page: base64 in an inert
`<script type="application/x-proxguard-collector">` block (never executed, so no CSP
hash is needed), read from the repository at build time, so the download is always
byte-identical to the file the repository ships, never a copy kept in web/.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

COLLECTOR = Path("scripts") / "proxguard-collect.sh"
_BLOCK = re.compile(
    r'(<script type="application/x-proxguard-collector"[^>]*>)\s*(</script>)', re.I)


def embed(html: str, script: bytes) -> str:
    """Fill the page's empty collector block (pages without one are left alone)."""
    data = base64.b64encode(script).decode("ascii")
    return _BLOCK.sub(lambda m: f"{m.group(1)}{data}{m.group(2)}", html, count=1)


def embed_file(page: Path, repo: Path) -> None:
    source = repo / COLLECTOR
    html = page.read_text(encoding="utf-8")
    if not _BLOCK.search(html):
        return
    if not source.is_file():
        raise FileNotFoundError(f"{source}: the collector script the page embeds is missing")
    page.write_text(embed(html, source.read_bytes()), encoding="utf-8")
