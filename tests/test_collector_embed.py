"""sitebuild.collector: the page carries the repository's collector script byte for byte
(issue 13 item 9), read at build time, in an inert block whatever the script contains."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from sitebuild import collector

ROOT = Path(__file__).resolve().parent.parent
BLOCK = ('<script type="application/x-proxguard-collector" id="pg-collector" '
         'data-name="proxguard-collect.sh"></script>')


def _embedded(html: str) -> bytes:
    m = re.search(r'<script type="application/x-proxguard-collector"[^>]*>([^<]*)</script>', html)
    assert m is not None
    return base64.b64decode(m.group(1), validate=True)


def test_embedded_bytes_are_the_scripts_bytes_whatever_they_hold() -> None:
    hostile = "#!/bin/sh\necho '</script><img src=x>' \"$(id)\"\n# é ü\r\n\x00".encode()
    html = collector.embed(f"<p>x</p>{BLOCK}<p>y</p>", hostile)
    assert _embedded(html) == hostile
    assert "</script><img" not in html.split("<p>y</p>")[0].split("collector")[1]


def test_the_shipped_page_embeds_the_repository_file(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text((ROOT / "web" / "index.html").read_text(encoding="utf-8"), encoding="utf-8")
    collector.embed_file(page, ROOT)
    assert _embedded(page.read_text(encoding="utf-8")) == (
        ROOT / "scripts" / "proxguard-collect.sh").read_bytes()


def test_a_page_without_the_block_is_left_alone_and_a_missing_script_is_an_error(
        tmp_path: Path) -> None:
    page = tmp_path / "probe.html"
    page.write_text("<p>no block</p>", encoding="utf-8")
    collector.embed_file(page, tmp_path)
    assert page.read_text(encoding="utf-8") == "<p>no block</p>"
    page.write_text(BLOCK, encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"proxguard-collect\.sh"):
        collector.embed_file(page, tmp_path)
