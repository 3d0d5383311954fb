"""Pinned downloads, cached under .cache/ and checked by sha256.

Why pins and a cache: the build must be reproducible and work offline after the first
run. Every artefact is fetched once through its registry's ordinary client (npm, pip),
verified against the hash below, and reused from then on; a hash mismatch is an error,
never a silent re-download.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

PYODIDE_VERSION = "314.0.7"


@dataclass(frozen=True)
class Pin:
    """One downloaded artefact: how to get it and the bytes we expect."""

    registry: str  # "npm" or "pypi"
    spec: str  # npm spec or pip requirement
    filename: str
    sha256: str
    sdist: bool = False


PINS: dict[str, Pin] = {
    "pyodide": Pin(
        "npm", f"pyodide@{PYODIDE_VERSION}", f"pyodide-{PYODIDE_VERSION}.tgz",
        "66b7949e5a0cba2250b586d7e368bf12fb482800748d182c4618254b685ffaa0",
    ),
    "jinja2": Pin(
        "pypi", "jinja2==3.1.6", "jinja2-3.1.6-py3-none-any.whl",
        "85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67",
    ),
    "pyparsing": Pin(
        "pypi", "pyparsing==3.3.2", "pyparsing-3.3.2-py3-none-any.whl",
        "850ba148bd908d7e2411587e247a1e4f0327839c40e2e5e6d05a007ecc69911d",
    ),
    # No pure-Python wheel exists on PyPI; wheels.py builds one from the sdist.
    "markupsafe": Pin(
        "pypi", "markupsafe==3.0.3", "markupsafe-3.0.3.tar.gz",
        "722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698", sdist=True,
    ),
}

# The files of the npm package the site needs (the rest are docs, maps, typings).
PYODIDE_FILES = (
    "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
    "pyodide-lock.json",
)


class FetchError(RuntimeError):
    """A download failed or did not match its pinned hash."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(pin: Pin, dest_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if pin.registry == "npm":
            cmd = ["npm", "pack", pin.spec, "--pack-destination", tmp, "--silent"]
        else:
            fmt = "--no-binary=:all:" if pin.sdist else "--only-binary=:all:"
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", fmt,
                   pin.spec, "-d", tmp]
        print(f"build: downloading {pin.spec} ({pin.registry})", file=sys.stderr)
        try:
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise FetchError(f"could not download {pin.spec}: {exc}") from exc
        got = Path(tmp) / pin.filename
        if not got.is_file():
            raise FetchError(f"{pin.spec}: expected {pin.filename}, got {sorted(Path(tmp).iterdir())}")
        shutil.move(str(got), dest_dir / pin.filename)


def ensure(name: str, cache: Path) -> Path:
    """Return the cached, hash-checked file for pin `name`, downloading it if absent."""
    pin = PINS[name]
    dest_dir = cache / pin.registry
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / pin.filename
    if not path.is_file():
        _download(pin, dest_dir)
    digest = sha256_file(path)
    if digest != pin.sha256:
        raise FetchError(
            f"{path}: sha256 {digest} does not match the pinned {pin.sha256}; "
            "delete the file to fetch it again, or update the pin deliberately"
        )
    return path


def pyodide_dist(cache: Path) -> Path:
    """Unpack the pinned npm tarball's runtime files once; return their directory."""
    tgz = ensure("pyodide", cache)
    out = cache / f"pyodide-{PYODIDE_VERSION}"
    stamp = out / ".sha256"
    if stamp.is_file() and stamp.read_text() == PINS["pyodide"].sha256:
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tarfile.open(tgz) as tar:
        for name in PYODIDE_FILES:
            member = tar.getmember(f"package/{name}")
            data = tar.extractfile(member)
            if data is None:
                raise FetchError(f"{tgz}: package/{name} is not a file")
            (out / name).write_bytes(data.read())
    stamp.write_text(PINS["pyodide"].sha256)
    return out
