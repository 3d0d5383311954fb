"""The web build's pure-Python parts, without a browser or the network: reproducible
wheels with a correct RECORD, our wheel's contents, the trimmed stdlib, the CSP and the
single-file packer."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import random
import re
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitebuild import bytetext, csp, runtime, single, snapshot, wheels  # noqa: E402


def _files() -> dict[str, bytes]:
    return {"pkg/__init__.py": b"X = 1\n", "pkg/data.txt": b"hello",
            "pkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n",
            "pkg-1.0.dist-info/RECORD": b"stale"}


def test_write_wheel_is_reproducible_and_its_record_is_right(tmp_path: Path) -> None:
    a, b = tmp_path / "a.whl", tmp_path / "b.whl"
    wheels.write_wheel(a, _files())
    wheels.write_wheel(b, dict(reversed(list(_files().items()))))
    assert a.read_bytes() == b.read_bytes()
    got = wheels.read_zip(a)
    record = got["pkg-1.0.dist-info/RECORD"].decode().splitlines()
    assert record[-1] == "pkg-1.0.dist-info/RECORD,,"
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"hello").digest()).rstrip(b"=").decode()
    assert f"pkg/data.txt,sha256={digest},5" in record
    assert len(record) == 4
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert wheels.wheel_name(got) == "pkg-1.0-py3-none-any.whl"


def test_markupsafe_wheel_leaves_out_the_c_speedups(tmp_path: Path) -> None:
    sdist = tmp_path / "markupsafe-3.0.3.tar.gz"
    members = {
        "markupsafe-3.0.3/PKG-INFO": b"Metadata-Version: 2.1\nName: MarkupSafe\nVersion: 3.0.3\n",
        "markupsafe-3.0.3/LICENSE.txt": b"BSD",
        "markupsafe-3.0.3/src/markupsafe/__init__.py": b"",
        "markupsafe-3.0.3/src/markupsafe/_native.py": b"",
        "markupsafe-3.0.3/src/markupsafe/_speedups.c": b"int x;",
        "markupsafe-3.0.3/src/markupsafe/py.typed": b"",
        "markupsafe-3.0.3/tests/test_escape.py": b"",
    }
    with tarfile.open(sdist, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    files = wheels.markupsafe_files(sdist)
    assert sorted(files) == [
        "markupsafe-3.0.3.dist-info/METADATA", "markupsafe-3.0.3.dist-info/WHEEL",
        "markupsafe-3.0.3.dist-info/licenses/LICENSE.txt", "markupsafe-3.0.3.dist-info/top_level.txt",
        "markupsafe/__init__.py", "markupsafe/_native.py", "markupsafe/py.typed",
    ]
    assert wheels.wheel_name(files) == "markupsafe-3.0.3-py3-none-any.whl"


def test_proxguard_wheel_holds_every_listed_package_templates_and_demos() -> None:
    files = wheels.proxguard_files(ROOT)
    packages = {n.rsplit("/", 1)[0].replace("/", ".") for n in files if n.endswith("/__init__.py")}
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert packages == listed
    assert "proxguard/rules/__init__.py" in files  # rules/ mapped into the package
    templates = sorted((ROOT / "proxguard/render/templates").glob("*.j2"))
    assert templates and all(f"proxguard/render/templates/{t.name}" in files for t in templates)
    assert not any("__pycache__" in n for n in files)
    demos = json.loads(files["proxguard/demos.json"])["demos"]
    assert [d["id"] for d in demos] == sorted(p.name for p in (ROOT / "examples").iterdir()
                                               if p.is_dir())
    sshd = ROOT / "examples/agent-lab/etc/ssh/sshd_config"
    if sshd.is_file():
        agent = next(d for d in demos if d["id"] == "agent-lab")
        assert agent["files"]["etc/ssh/sshd_config"] == sshd.read_text()
        # the demo's story and its exceptions are not host files
        assert not {"README.md", "acceptances.toml"} & set(agent["files"])
        acc = ROOT / "examples/agent-lab/acceptances.toml"
        assert agent["acceptances"] == acc.read_text()


def test_trimmed_stdlib_drops_only_the_listed_parts() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("json/__init__.py", "unittest/case.py", "pdb.py", "pdbx.py",
                     "asyncio/base_events.py", "_pyrepl/reader.py"):
            z.writestr(name, "x = 1\n")
    out = runtime.trimmed_stdlib(buf.getvalue())
    # unittest is kept: pyparsing imports it when the package is imported
    assert sorted(wheels.read_zip(out)) == ["asyncio/base_events.py", "json/__init__.py", "pdbx.py",
                                            "unittest/case.py"]
    assert runtime.trimmed_stdlib(buf.getvalue()) == out


def test_csp_hash_matches_the_specification_example() -> None:
    # CSP Level 3, "hash-source" example.
    assert csp.source_hash("alert('Hello, world.');") == \
        "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"


def test_csp_meta_goes_first_in_head_and_replaces_an_old_one() -> None:
    html = ('<html><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src *">'
            "<script src=a.js></script></head></html>")
    out = csp.inject(html, csp.HOSTED)
    assert out.count("Content-Security-Policy") == 1
    assert out.startswith('<html><head>\n<meta http-equiv="Content-Security-Policy" '
                          "content=\"default-src 'none'; script-src 'self' 'wasm-unsafe-eval';")
    with pytest.raises(ValueError):
        csp.inject("<html><body></body></html>", csp.HOSTED)


STDLIB = random.Random(7).randbytes(1025)  # incompressible, odd length


def _site(tmp_path: Path) -> Path:
    s = tmp_path / "site"
    (s / "pyodide").mkdir(parents=True)
    (s / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>ProxGuard — audit</title>'
        '<link rel="stylesheet" href="style.css"><script type="module" src="app.js"></script>'
        "</head><body><p id=x>café → 🔒</p></body></html>", encoding="utf-8")
    (s / "app.js").write_text('import { startEngine } from "./boot.js";\nconst s = "</script>";\n'
                              'const dash = "—";\n', encoding="utf-8")
    (s / "boot.js").write_text("export function startEngine() {}\n")
    (s / "worker.js").write_text("self.onmessage = () => {};\n")
    (s / "style.css").write_text('p::before { content: "✓" }\n', encoding="utf-8")
    (s / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm" + b"\1" * 5000)
    (s / "pyodide" / "python_stdlib.zip").write_bytes(STDLIB)
    (s / "pyodide" / "proxguard-0.1.0-py3-none-any.whl").write_bytes(b"PK wheel")
    (s / "pyodide" / "snapshot.bin.gz").write_bytes(snapshot.pack(b"\7" * 4096, {"a.py": b"x"}))
    return s


_ASSET = re.compile(r'<script type="application/x-proxguard-asset" data-name="([^"]+)" '
                    r'data-encoding="([^"]+)"(?: data-size="(\d+)")?>([^<]*)</script>')


def test_single_file_inlines_everything_and_hashes_its_inline_code(tmp_path: Path) -> None:
    packed = single.pack(_site(tmp_path), "index.html", with_snapshot=False)
    # a UTF-16LE page: the byte order mark decides the encoding; no <meta charset> contradicts it
    assert packed.startswith(b"\xff\xfe")
    html = bytetext.read_page(packed)
    assert "charset" not in html.split("</head>")[0]
    assert "<title>ProxGuard — audit</title>" in html and "café → 🔒" in html
    assert not re.search(r'\b(src|href)="(?!data:)', html)  # no reference to another file
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["connect-src"] == "'none'"
    inline = re.findall(r"<script(?: type=\"(?:module|importmap)\")?>(.*?)</script>", html, re.S)
    assert len(inline) == 2  # import map + app.js
    for text in inline:
        assert csp.source_hash(text) in directives["script-src"]
    assert 'const s = "<\\/script>";' in inline[1]
    assert 'const dash = "—";' in inline[1]
    imports = json.loads(inline[0])["imports"]
    assert list(imports) == ["./boot.js"]
    assert base64.b64decode(imports["./boot.js"].split(",", 1)[1]) == b"export function startEngine() {}\n"
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None and csp.source_hash(style.group(1)) in directives["style-src"]
    assert style.group(1) == 'p::before { content: "✓" }\n'
    assets = {m[0]: (m[1], m[2], m[3]) for m in _ASSET.findall(html)}
    # without the snapshot: the wheels travel as they are
    assert sorted(assets) == ["proxguard-0.1.0-py3-none-any.whl", "pyodide.asm.wasm",
                              "python_stdlib.zip", "worker.js"]
    assert assets["worker.js"][0] == "base64" and assets["worker.js"][1] == ""
    enc, size, text = assets["pyodide.asm.wasm"]
    assert enc == "gzip+bytes"
    assert gzip.decompress(bytetext.decode(text, int(size))) == b"\0asm" + b"\1" * 5000
    enc, size, text = assets["python_stdlib.zip"]
    assert (enc, int(size)) == ("bytes", 1025)
    assert bytetext.decode(text, 1025) == STDLIB
    assert single.pack(_site(tmp_path / "again"), "index.html", with_snapshot=False) == packed


def test_single_file_with_the_snapshot_leaves_the_wheels_out(tmp_path: Path) -> None:
    """The snapshot carries the wheels' files, so they are packed once."""
    site = _site(tmp_path)
    html = bytetext.read_page(single.pack(site, "index.html", with_snapshot=True))
    assets = {m[0]: (m[1], m[2], m[3]) for m in _ASSET.findall(html)}
    assert sorted(assets) == ["pyodide.asm.wasm", "python_stdlib.zip", "snapshot.bin.gz", "worker.js"]
    enc, size, text = assets["snapshot.bin.gz"]
    packed = (site / "pyodide" / "snapshot.bin.gz").read_bytes()
    assert (enc, bytetext.decode(text, int(size))) == single.encode_asset(packed)
    assert snapshot.unpack(packed)[1] == {"a.py": b"x"}
    # a site without a snapshot keeps its wheels whatever is asked
    (site / "pyodide" / "snapshot.bin.gz").unlink()
    html = bytetext.read_page(single.pack(site, "index.html", with_snapshot=True))
    assert "proxguard-0.1.0-py3-none-any.whl" in {m[0] for m in _ASSET.findall(html)}


_PARSER_CHANGES = re.compile("[\x00\r<\ud800-\udfff]")


def test_block_text_round_trips_every_byte_and_holds_nothing_the_parser_changes() -> None:
    units = bytes(range(256)) * 2 + b"</script><!--<script>\r\n\r\0\x1b\x1b\0"
    every = b"".join(u.to_bytes(2, "little") for u in range(0x10000))  # every UTF-16 unit
    for data in (b"", b"\x00", b"<", units, units + b"\xd8", every, every[1:]):
        text = bytetext.encode(data)
        assert not _PARSER_CHANGES.search(text)
        assert bytetext.decode(text, len(data)) == data
    # ~3 % more than the bytes on random data (2,052 of 65,536 units escaped)
    noise = random.Random(14).randbytes(200_000)
    assert 1.02 < 2 * len(bytetext.encode(noise)) / len(noise) < 1.04
    with pytest.raises(ValueError, match="were packed"):
        bytetext.decode(bytetext.encode(b"abcd"), 6)
    with pytest.raises(ValueError, match="invalid escape"):
        bytetext.decode("\x1bA", 2)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_block_text_round_trips_any_bytes(data: bytes) -> None:
    text = bytetext.encode(data)
    assert not _PARSER_CHANGES.search(text)
    assert bytetext.decode(text, len(data)) == data
    assert bytetext.read_page(bytetext.page(f"<p>{text}</p>")) == f"<p>{text}</p>"


def test_single_file_refuses_a_script_from_elsewhere(tmp_path: Path) -> None:
    s = _site(tmp_path)
    (s / "index.html").write_text('<html><head><script src="https://cdn.example/x.js"></script>'
                                  "</head><body></body></html>")
    with pytest.raises(ValueError, match="from elsewhere"):
        single.pack(s, "index.html")


def test_site_files_are_derived_from_web(tmp_path: Path) -> None:
    """No hand-kept list: every page, script and stylesheet of web/ is part of the site,
    nothing hidden, no symlink (it could point out of the tree), no other file type."""
    from sitebuild.site import web_files

    web = tmp_path / "web"
    web.mkdir()
    for name in ("index.html", "new-panel.js", "new.css", ".hidden.js", "notes.txt"):
        (web / name).write_text("x")
    (web / "linked.js").symlink_to(tmp_path / "elsewhere.js")
    (tmp_path / "elsewhere.js").write_text("y")
    assert [p.name for p in web_files(web)] == ["index.html", "new-panel.js", "new.css"]
    assert {p.name for p in web_files(ROOT / "web")} >= {
        "index.html", "app.js", "boot.js", "worker.js", "style.css", "fixloop.js",
        "fixloop.css", "firewall.js", "firewall.css"}


def test_snapshot_pack_skips_zero_pages_and_carries_the_files() -> None:
    """The packed start-up snapshot (what web/worker.js streams) gives back the exact heap
    and files; all-zero 4 KiB pages are not shipped, so a mostly empty heap packs small."""
    page = snapshot.PAGE
    heap = bytes(page) + b"\x01" + bytes(page - 2) + b"\x02" + bytes(5 * page) + b"\x03" * 10
    files = {"proxguard/__init__.pyc": b"\x00code", "empty.txt": b"",
             "jinja2-3.1.6.dist-info/RECORD": b"r" * 3000}
    data = snapshot.pack(heap, files)
    assert snapshot.unpack(data) == (heap, files)
    body = gzip.decompress(data)
    assert body.startswith(snapshot.MAGIC)
    size = int.from_bytes(body[len(snapshot.MAGIC):len(snapshot.MAGIC) + 4], "little")
    header = json.loads(body[len(snapshot.MAGIC) + 4:len(snapshot.MAGIC) + 4 + size])
    # page 0 and pages 2-6 are zero: two runs (page 1; the partial last page)
    assert header["runs"] == [[page, page], [7 * page, 10]]
    assert header["heap"] == len(heap)
    assert [n for n, _ in header["files"]] == sorted(files)
    damaged = gzip.compress(b"not a Pyodide heap" * 256)
    with pytest.raises(ValueError, match="invalid magic number"):
        snapshot.unpack(damaged)
