"""Pack a page of the built site into one self-contained HTML file that works from file://.

How: the page's stylesheets and module scripts are inlined; the local modules they
import (boot.js) are mapped to data: URLs by an import map; worker.js and every runtime
file (Pyodide, the stdlib, the wheels, the lock) go into inert
<script type="application/x-proxguard-asset"> blocks as base64, gzip'd when that is
smaller. boot.js finds those blocks, starts the worker from a data: URL and hands the
files over; the worker answers Pyodide's fetches from memory. The CSP allows the inline
scripts and styles by hash only and forbids every connection.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from sitebuild import csp

ASSET_TYPE = "application/x-proxguard-asset"
SNAPSHOT = "snapshot.bin.gz"  # sitebuild/snapshot.py NAME (not imported: no cycle)
_SCRIPT = re.compile(r'<script\b([^>]*)\bsrc="([^"]+)"([^>]*)>\s*</script>', re.I)
_STYLESHEET = re.compile(r"<link\b[^>]*>", re.I)
_HREF = re.compile(r'\bhref="([^"]+)"', re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)


def encode_asset(data: bytes) -> tuple[str, str]:
    """(encoding, base64 text): gzip only when it actually shrinks the file."""
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(packed) < len(data) * 0.97:
        return "gzip+base64", base64.b64encode(packed).decode()
    return "base64", base64.b64encode(data).decode()


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


def pack(site: Path, page: str, runtime_dir: str = "pyodide", with_snapshot: bool = False) -> str:
    """Return the single-file HTML for `site/page`. The shipped file leaves the start-up
    snapshot out (sitebuild/snapshot.py says why); `with_snapshot` packs it in, for
    bench/startup.py to measure what it would bring."""
    html = (site / page).read_text(encoding="utf-8")
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
    for path in sorted((site / runtime_dir).iterdir()):
        if path.name == SNAPSHOT and not with_snapshot:  # hosted only: see snapshot.py
            continue
        encoding, text = encode_asset(path.read_bytes())
        blocks.append(f'<script type="{ASSET_TYPE}" data-name="{path.name}" '
                      f'data-encoding="{encoding}">{text}</script>')
    assets = "\n".join(blocks) + "\n"
    match = _BODY_END.search(html)
    if match is None:
        raise ValueError(f"{page} has no </body>")
    return f"{html[:match.start()]}{assets}{html[match.start():]}"
