"""Pack a page of the built site into one self-contained HTML file that works from file://.

How: the page's stylesheets and module scripts are inlined; the local modules they
import (boot.js) are mapped to data: URLs by an import map; worker.js (base64, it starts
from a data: URL) and every runtime file (Pyodide, the stdlib, the lock, and either the
start-up snapshot or the wheels) go into inert <script type="application/x-proxguard-asset">
blocks as raw bytes, gzip'd when that is smaller. The page is UTF-16LE with a byte order
mark, so every two bytes of a block are one character of its text and few need an escape
(sitebuild/bytetext.py). boot.js finds the blocks, turns their text back into bytes,
starts the worker from a data: URL and hands the files over; the worker answers Pyodide's
fetches from memory. The CSP allows the inline
scripts and styles by hash only and forbids every connection.

With the snapshot packed in, the wheels are left out: the snapshot carries the files of
the four wheels (sitebuild/snapshot.py), and a boot that cannot restore the heap writes
site-packages from those files instead of unpacking wheels (web/worker.js).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from sitebuild import bytetext, csp

ASSET_TYPE = "application/x-proxguard-asset"
SNAPSHOT = "snapshot.bin.gz"  # sitebuild/snapshot.py NAME (not imported: no cycle)
_SCRIPT = re.compile(r'<script\b([^>]*)\bsrc="([^"]+)"([^>]*)>\s*</script>', re.I)
_STYLESHEET = re.compile(r"<link\b[^>]*>", re.I)
_HREF = re.compile(r'\bhref="([^"]+)"', re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)
# The byte order mark declares the encoding; a <meta charset> would contradict it.
_CHARSET = re.compile(r'<meta\s+charset="?[\w-]+"?\s*/?>\s*', re.I)


def encode_asset(data: bytes) -> tuple[str, bytes]:
    """(encoding, the block's bytes): gzip only when it actually shrinks the file."""
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(packed) < len(data) * 0.97:
        return "gzip+bytes", packed
    return "bytes", data


def asset_block(name: str, data: bytes) -> str:
    """One inert block; `data-size` is the byte count the page must decode to."""
    encoding, body = encode_asset(data)
    return (f'<script type="{ASSET_TYPE}" data-name="{name}" data-encoding="{encoding}" '
            f'data-size="{len(body)}">{bytetext.encode(body)}</script>')


def _local(url: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.I)


def _escape_script(text: str) -> str:
    # An inline script ends at the first "</script"; JS reads "<\/" as "</".
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def _inline_styles(html: str, site: Path, hashes: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        tag = m.group(0)
        href = _HREF.search(tag)
        if not re.search(r'\brel="stylesheet"', tag, re.I) or not href or not _local(href.group(1)):
            return tag
        text = (site / href.group(1)).read_text(encoding="utf-8").replace("</style", "<\\/style")
        hashes.append(csp.source_hash(text))
        return f"<style>{text}</style>"

    return _STYLESHEET.sub(repl, html)


def _inline_scripts(html: str, site: Path, hashes: list[str]) -> tuple[str, set[str]]:
    inlined: set[str] = set()

    def repl(m: re.Match[str]) -> str:
        attrs, src = m.group(1) + m.group(3), m.group(2)
        if not _local(src):
            raise ValueError(f"page loads a script from elsewhere: {src}")
        text = _escape_script((site / src).read_text(encoding="utf-8"))
        hashes.append(csp.source_hash(text))
        inlined.add(src.removeprefix("./"))
        kind = ' type="module"' if re.search(r'type="module"', attrs, re.I) else ""
        return f"<script{kind}>{text}</script>"

    return _SCRIPT.sub(repl, html), inlined


def pack(site: Path, page: str, runtime_dir: str = "pyodide", with_snapshot: bool = False) -> bytes:
    """Return the single-file HTML for `site/page` as bytes (UTF-16LE, see the module
    docstring). `with_snapshot` packs the start-up snapshot in and leaves the wheels out."""
    html = _CHARSET.sub("", (site / page).read_text(encoding="utf-8"))
    script_hashes: list[str] = []
    style_hashes: list[str] = []
    html = _inline_styles(html, site, style_hashes)
    html, inlined = _inline_scripts(html, site, script_hashes)

    # Modules the inlined scripts may import by relative URL (boot.js), as data: URLs.
    imports = {
        f"./{p.name}": "data:text/javascript;base64," + base64.b64encode(p.read_bytes()).decode()
        for p in sorted(site.glob("*.js"))
        if p.name not in inlined and p.name != "worker.js"
    }
    importmap = json.dumps({"imports": imports}, indent=None)
    script_hashes.insert(0, csp.source_hash(importmap))
    head_extra = f'<link rel="icon" href="data:,">\n<script type="importmap">{importmap}</script>\n'
    if 'rel="icon"' in html:
        head_extra = head_extra.split("\n", 1)[1]
    # The import map must precede every module script, so it goes right after the CSP.
    html = csp.inject(html, csp.single_file(script_hashes, style_hashes))
    csp_end = html.index(">", html.index('http-equiv="Content-Security-Policy"')) + 1
    html = f"{html[:csp_end]}\n{head_extra}{html[csp_end:]}"

    blocks = [f'<script type="{ASSET_TYPE}" data-name="worker.js" data-encoding="base64">'
              f"{base64.b64encode((site / 'worker.js').read_bytes()).decode()}</script>"]
    # the snapshot carries the wheels' files: with it, the wheels stay out
    with_snapshot = with_snapshot and (site / runtime_dir / SNAPSHOT).is_file()
    for path in sorted((site / runtime_dir).iterdir()):
        if path.name == SNAPSHOT and not with_snapshot:
            continue
        if path.suffix == ".whl" and with_snapshot:
            continue
        blocks.append(asset_block(path.name, path.read_bytes()))
    match = _BODY_END.search(html)
    if match is None:
        raise ValueError(f"{page} has no </body>")
    assets = "\n".join(blocks) + "\n"
    return bytetext.page(f"{html[:match.start()]}{assets}{html[match.start():]}")
