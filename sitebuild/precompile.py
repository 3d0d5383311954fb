"""Runs INSIDE Pyodide (under Node): rewrite zips with .py entries compiled to .pyc.

Why unchecked hash-based pycs: zipimport and the path finder accept them without a
source file, and they carry no timestamp, so two builds give identical bytes. Why
sourceless: the browser never needs the sources, and dropping them saves the download.
Files that do not compile (e.g. lib2to3 test data) are kept as source and listed.
`JOBS` is injected by precompile.mjs; `RESULTS` is read back by it.
"""

import importlib.util
import marshal
import sys
import zipfile

MAGIC = importlib.util.MAGIC_NUMBER
EPOCH = (1980, 1, 1, 0, 0, 0)


def _pyc(code: object, source: bytes) -> bytes:
    # PEP 552: flags=0b01 (hash-based, check_source=0), then the source hash.
    flags = (1).to_bytes(4, "little")
    return MAGIC + flags + importlib.util.source_hash(source) + marshal.dumps(code)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def rewrite(src: str, dst: str, prefix: str) -> dict[str, object]:
    kept: list[str] = []
    compiled = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in sorted(zin.infolist(), key=lambda i: i.filename):
            data = zin.read(item)
            name = item.filename
            if name.endswith(".py"):
                try:
                    code = compile(data, prefix + name, "exec", dont_inherit=True, optimize=0)
                except (SyntaxError, ValueError):
                    kept.append(name)
                else:
                    zout.writestr(_entry(name + "c"), _pyc(code, data), compresslevel=9)
                    compiled += 1
                    continue
            zout.writestr(_entry(name), data, compresslevel=9)
    return {"src": src, "compiled": compiled, "kept_source": kept}


RESULTS = {
    "python": sys.version,
    "jobs": [rewrite(j["src"], j["dst"], j["prefix"]) for j in JOBS],  # noqa: F821
}
