#!/usr/bin/env python3
"""Build ProxGuard's web app: dist/site/ for any static server, dist/proxguard.html as one
file that works from file://. `--serve` then serves dist/site on 127.0.0.1. `--release`
builds twice from clean, fails unless both builds are byte-identical, and writes the
verified build with SHA256SUMS and proxguard-site.tar.gz (scripts/release.sh, CI).

Reproducible and offline after the first run: Pyodide (npm) and the wheels (PyPI) are
pinned by sha256 and cached under .cache/, as is the precompiled bytecode.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sitebuild import fetch, pyc, release, runtime, serve, site

REPO = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Build:
    site: Path
    single: Path | None
    pages: list[str]


def build(out: Path = REPO / "dist", web: Path = REPO / "web", cache: Path = REPO / ".cache",
          extra: dict[str, str] | None = None) -> Build:
    """Build both outputs; the single file is packed from index.html when it exists."""
    with tempfile.TemporaryDirectory() as tmp:
        files = runtime.build_runtime(REPO, cache, Path(tmp))
    site_dir = out / "site"
    pages = site.write_site(web, files, site_dir, extra)
    single = None
    if "index.html" in pages:
        single = site.write_single(site_dir, "index.html", out / "proxguard.html")
    else:
        print("build: web/index.html missing; single file not written", file=sys.stderr)
    return Build(site_dir, single, pages)


def sizes(result: Build) -> list[tuple[str, int, int]]:
    """(path, raw bytes, gzip -9 bytes) of every output file."""
    paths = sorted(p for p in result.site.rglob("*") if p.is_file())
    if result.single:
        paths.append(result.single)
    rows = []
    for p in paths:
        data = p.read_bytes()
        rows.append((str(p.relative_to(result.site.parent)), len(data),
                     len(gzip.compress(data, 9, mtime=0))))
    return rows


def _release(out: Path) -> int:
    """Reproducible release build into `out`; exit 1 with the differing files otherwise."""
    try:
        sums = release.release(lambda dest, cache: build(dest, cache=cache), REPO / ".cache", out)
    except (release.NotReproducible, fetch.FetchError, pyc.PrecompileError, OSError,
            ValueError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    print(f"build: reproducible: two clean builds gave identical bytes ({len(sums)} files)")
    print(f"build: release {out}/ ({release.SUMS}, {release.ARCHIVE}, site/, proxguard.html)")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The command line (tests check CI steps against it, so it is built in one place)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="output directory")
    parser.add_argument("--serve", action="store_true", help="serve dist/site after building")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (0 = any)")
    parser.add_argument("--sizes", action="store_true", help="print output sizes")
    parser.add_argument("--release", action="store_true",
                        help="build twice from clean, compare, write SHA256SUMS and the archive")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.release:
        return _release(args.out.resolve())
    try:
        result = build(args.out.resolve())
    except (fetch.FetchError, pyc.PrecompileError, OSError, ValueError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    print(f"build: site   {result.site}/")
    if result.single:
        print(f"build: single {result.single} ({result.single.stat().st_size / 1e6:.1f} MB)")
    if args.sizes:
        for path, raw, gz in sizes(result):
            print(f"{raw:>10} {gz:>10}  {path}")
    if not args.serve:
        return 0
    server = serve.make_server(result.site, args.port, verbose=True)
    print(f"Serving ProxGuard at {serve.url_of(server)}  (Ctrl-C to stop)")
    if result.single:
        print(f"Single-file build (open it directly, works offline): {result.single}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
