"""Assemble dist/site/ (static hosting) and dist/proxguard.html (one file) from web/ and
the runtime files."""

from __future__ import annotations

import shutil
from pathlib import Path

from sitebuild import collector, csp, single

# What of web/ is the site: its pages, scripts and styles (derived, so a new module or
# stylesheet cannot be left out of the build by a forgotten list entry).
WEB_SUFFIXES = (".html", ".js", ".css")
RUNTIME_DIR = "pyodide"
# The shipped single file carries the start-up snapshot (and so no wheels): decided by
# bench/startup.py (file-snap against file-nosnap), figures in docs/performance.md.
SINGLE_WITH_SNAPSHOT = True


def write_site(web: Path, runtime: dict[str, bytes], out: Path,
               extra: dict[str, str] | None = None) -> list[str]:
    """Write the hosted site into `out` (replaced); return the HTML pages written.

    `extra` ({name: text}) lets tests add their own page and script next to index.html;
    every .html page gets the hosted Content-Security-Policy.
    """
    if out.exists():
        shutil.rmtree(out)
    (out / RUNTIME_DIR).mkdir(parents=True)
    for name, data in sorted(runtime.items()):
        (out / RUNTIME_DIR / name).write_bytes(data)
    for src in web_files(web):
        shutil.copyfile(src, out / src.name)
    for name, text in (extra or {}).items():
        (out / name).write_text(text, encoding="utf-8")
    pages = sorted(p.name for p in out.glob("*.html"))
    for name in pages:
        collector.embed_file(out / name, web.resolve().parent)
        html = (out / name).read_text(encoding="utf-8")
        (out / name).write_text(csp.inject(html, csp.HOSTED), encoding="utf-8")
    return pages


def web_files(web: Path) -> list[Path]:
    """The site's own files in web/: regular files (no symlinks, nothing hidden) with a
    page, script or style suffix."""
    return sorted(p for p in web.iterdir() if p.suffix in WEB_SUFFIXES and p.is_file()
                  and not p.is_symlink() and not p.name.startswith("."))


def write_single(site: Path, page: str, dest: Path,
                 with_snapshot: bool = SINGLE_WITH_SNAPSHOT) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(single.pack(site, page, RUNTIME_DIR, with_snapshot))
    return dest
