"""The Python runtime the page loads: Pyodide core, precompiled stdlib, our wheels, our lock.

Why our own lock file: the npm package's lock points at Pyodide's CDN builds (its
micropip/markupsafe hashes match no PyPI file), and the `pyodide-lock` PyPI tool cannot
read the 314 format. We need four entries, so we write them. `loadPackage("proxguard")`
then resolves the dependencies from the lock and fetches the wheels from the site's
own folder — never PyPI, never a CDN (micropip is not needed for that and is not shipped).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from sitebuild import fetch, pyc, snapshot, wheels

# Lock entries: the import names and the dependencies loadPackage must resolve.
PACKAGES = {
    "markupsafe": {"name": "MarkupSafe", "imports": ["markupsafe"], "depends": []},
    "jinja2": {"name": "Jinja2", "imports": ["jinja2"], "depends": ["markupsafe"]},
    "pyparsing": {"name": "pyparsing", "imports": ["pyparsing"], "depends": []},
    "proxguard": {"name": "proxguard", "imports": ["proxguard"],
                  "depends": ["jinja2", "pyparsing"]},
}


# Stdlib parts a browser worker running the auditor never uses: the REPL, debugger,
# profilers, doc browser, doctest, process pools (no fork in WebAssembly),
# and mail/FTP/XML-RPC/WSGI clients and servers (no sockets). Dropping them keeps the
# single file under its 12 MB budget (~0.9 MB of bytecode). Checked under Pyodide:
# a full audit of every demo in both profiles plus every render format imports none
# of them (tests/e2e/test_offline.py runs the same audit in the browser). unittest stays:
# pyparsing's package __init__ imports pyparsing.testing, which imports unittest.
STDLIB_EXCLUDE = (
    "_pyrepl/", "pydoc.py", "pdb.py", "doctest.py", "multiprocessing/",
    "xmlrpc/", "wsgiref/", "profile.py", "cProfile.py", "pstats.py", "trace.py",
    "tabnanny.py", "pickletools.py", "mailbox.py", "imaplib.py", "smtplib.py",
    "ftplib.py", "poplib.py",
)


def trimmed_stdlib(data: bytes) -> bytes:
    """Pyodide's python_stdlib.zip without STDLIB_EXCLUDE, as a deterministic zip."""
    files = {
        name: body for name, body in wheels.read_zip(data).items()
        if not any(name == ex or (ex.endswith("/") and name.startswith(ex))
                   for ex in STDLIB_EXCLUDE)
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, wheels.EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name], compresslevel=6)
    return buf.getvalue()


def _wheel_sources(repo: Path, cache: Path) -> dict[str, wheels.Files]:
    return {
        "markupsafe": wheels.markupsafe_files(fetch.ensure("markupsafe", cache)),
        "jinja2": wheels.read_zip(fetch.ensure("jinja2", cache)),
        "pyparsing": wheels.read_zip(fetch.ensure("pyparsing", cache)),
        "proxguard": wheels.proxguard_files(repo),
    }


def _zip_bytes(files: wheels.Files, tmp: Path, name: str) -> bytes:
    path = tmp / name
    wheels.write_wheel(path, files)
    return path.read_bytes()


def build_runtime(repo: Path, cache: Path, tmp: Path) -> dict[str, bytes]:
    """Return {file name: bytes} for the site's pyodide/ folder."""
    core = fetch.pyodide_dist(cache)
    sources = _wheel_sources(repo, cache)
    stdlib = trimmed_stdlib((core / "python_stdlib.zip").read_bytes())
    jobs = {"python_stdlib.zip": (stdlib, pyc.STDLIB_PREFIX)}
    for key, files in sources.items():
        jobs[key] = (_zip_bytes(files, tmp, f"{key}-src.whl"), pyc.SITE_PREFIX)
    compiled = pyc.precompile(jobs, core, cache)

    out: dict[str, bytes] = {
        name: (core / name).read_bytes()
        for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")
    }
    out["python_stdlib.zip"] = compiled["python_stdlib.zip"]
    npm_lock = json.loads((core / "pyodide-lock.json").read_text())
    lock: dict[str, object] = {"info": npm_lock["info"], "packages": {}, "tool": {}}
    for key in sources:
        files = wheels.read_zip(compiled[key])
        name = wheels.wheel_name(files)
        data = _zip_bytes(files, tmp, name)  # fresh RECORD: .py entries became .pyc
        out[name] = data
        meta = PACKAGES[key]
        lock["packages"][key] = {  # type: ignore[index]
            "name": meta["name"], "version": name.split("-")[1], "file_name": name,
            "install_dir": "site", "sha256": hashlib.sha256(data).hexdigest(),
            "package_type": "package", "imports": meta["imports"], "depends": meta["depends"],
            "unvendored_tests": False, "tool": {},
        }
    out["pyodide-lock.json"] = (json.dumps(lock, indent=1, sort_keys=True) + "\n").encode()
    out[snapshot.NAME] = snapshot.take(out, cache)  # hosted only: single.pack leaves it out
    return out
