"""Deterministic wheels: MarkupSafe without its C speedups, our own proxguard wheel
(with the demo snapshots as package data), and the RECORD rewrite after precompiling.

Why rewrite rather than trust pip's output: setuptools stamps the current time into
every zip entry, so two builds of the same tree would differ. Entries here are sorted,
dated 1980-01-01 and compressed at a fixed level, so equal inputs give equal bytes.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import json
import tarfile
import tomllib
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)

Files = dict[str, bytes]


def read_zip(path: Path | bytes) -> Files:
    source = path if isinstance(path, Path) else io.BytesIO(path)
    with zipfile.ZipFile(source) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(path: Path, files: Files) -> None:
    """Write `files` as a wheel with a freshly computed RECORD, byte-reproducibly."""
    dist_info = {n.split("/", 1)[0] for n in files if n.split("/", 1)[0].endswith(".dist-info")}
    if len(dist_info) != 1:
        raise ValueError(f"{path.name}: expected one .dist-info directory, got {sorted(dist_info)}")
    record = f"{dist_info.pop()}/RECORD"
    body = {n: d for n, d in files.items() if n != record}
    lines = [_record_line(n, body[n]) for n in sorted(body)] + [f"{record},,"]
    body[record] = ("\n".join(lines) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name in sorted(body):
            info = zipfile.ZipInfo(name, EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, body[name], compresslevel=9)


def markupsafe_files(sdist: Path) -> Files:
    """The pure-Python MarkupSafe package from its sdist, as wheel entries.

    MarkupSafe's __init__ falls back to markupsafe._native when the `_speedups`
    extension is absent, so leaving the C file out is all it takes.
    """
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        root = names[0].split("/", 1)[0]  # markupsafe-3.0.3
        version = root.rsplit("-", 1)[1]
        files: Files = {}
        for member in tar.getmembers():
            rel = member.name[len(root) + 1:]
            if member.isfile() and rel.startswith("src/markupsafe/") and not rel.endswith(".c"):
                data = tar.extractfile(member)
                if data is not None:
                    files[rel[len("src/"):]] = data.read()
        pkg_info = tar.extractfile(f"{root}/PKG-INFO")
        license_ = tar.extractfile(f"{root}/LICENSE.txt")
        if pkg_info is None or license_ is None:
            raise ValueError(f"{sdist}: PKG-INFO or LICENSE.txt missing")
        dist = f"markupsafe-{version}.dist-info"
        files[f"{dist}/METADATA"] = pkg_info.read()
        files[f"{dist}/licenses/LICENSE.txt"] = license_.read()
    files[f"{dist}/WHEEL"] = _wheel_metadata()
    files[f"{dist}/top_level.txt"] = b"markupsafe\n"
    return files


def _wheel_metadata() -> bytes:
    return b"Wheel-Version: 1.0\nGenerator: proxguard-build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def demo_snapshots(examples: Path) -> list[dict[str, object]]:
    """Every examples/<id>/ tree as {id, title, files: {host path: text}, acceptances},
    sorted; `acceptances.toml` (the demo's documented exceptions, not a host file) is
    carried apart and its README.md (the story, for people) left out, as the façade's
    source-checkout reader does."""
    demos: list[dict[str, object]] = []
    for root in sorted(p for p in examples.iterdir() if p.is_dir()):
        files = {
            f.relative_to(root).as_posix(): f.read_text(encoding="utf-8")
            for f in sorted(root.rglob("*"))
            if f.is_file() and not f.name.startswith(".")
        }
        acceptances = files.pop("acceptances.toml", "")
        files.pop("README.md", None)
        title = root.name.replace("-", " ").capitalize()
        demos.append({"id": root.name, "title": title, "files": files,
                      "acceptances": acceptances})
    return demos


def proxguard_files(repo: Path) -> Files:
    """Our wheel's entries, read from pyproject.toml, plus proxguard/demos.json.

    Why not `pip wheel`: it needs the `wheel` package (absent on a fresh Debian) or a
    networked isolated build, and setuptools stamps times into the zip. The layout is
    small and declared in pyproject.toml: the listed packages through their package-dir
    mapping (rules/ -> proxguard/rules), their .py files, and the package-data patterns,
    also in plain data folders beneath a package (render/templates/*.j2).
    """
    meta = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    project, tool = meta["project"], meta["tool"]["setuptools"]
    mapping: dict[str, str] = tool.get("package-dir", {})
    patterns = ["*.py", *tool.get("package-data", {}).get("*", [])]
    files: Files = {}
    for package in tool["packages"]:
        root = repo / _package_dir(package, mapping)
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if (not path.is_file() or "__pycache__" in rel.parts
                    or not any(fnmatch.fnmatch(path.name, pat) for pat in patterns)
                    or _inside_subpackage(root, rel)):
                continue
            files["/".join([*package.split("."), *rel.parts])] = path.read_bytes()
    name, version = project["name"], project["version"]
    dist = f"{name}-{version}.dist-info"
    lines = [
        "Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '')}",
        *(f"Requires-Dist: {req}" for req in project.get("dependencies", [])),
    ]
    files[f"{dist}/METADATA"] = ("\n".join(lines) + "\n").encode()
    files[f"{dist}/WHEEL"] = _wheel_metadata()
    files[f"{dist}/top_level.txt"] = b"proxguard\n"
    demos = {"demos": demo_snapshots(repo / "examples")}
    files["proxguard/demos.json"] = json.dumps(demos, indent=1, sort_keys=True).encode()
    return files


def _package_dir(package: str, mapping: dict[str, str]) -> str:
    """setuptools' package-dir lookup: the longest mapped prefix wins."""
    parts = package.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in mapping:
            return "/".join([mapping[prefix], *parts[i:]])
    return "/".join(parts)


def _inside_subpackage(root: Path, rel: Path) -> bool:
    """True when `rel` lies in a sub-folder that is a package of its own (listed apart)."""
    folder = root
    for part in rel.parts[:-1]:
        folder = folder / part
        if (folder / "__init__.py").is_file():
            return True
    return False


def wheel_name(files: Files) -> str:
    """`name-version-py3-none-any.whl` from the METADATA inside `files`."""
    (meta,) = (n for n in files if n.endswith(".dist-info/METADATA"))
    fields = dict(
        line.split(": ", 1) for line in files[meta].decode().splitlines()
        if ": " in line and not line.startswith(" ")
    )
    return f"{fields['Name'].lower().replace('-', '_')}-{fields['Version']}-py3-none-any.whl"
