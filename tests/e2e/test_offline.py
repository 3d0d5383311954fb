"""The runtime in a real browser: both builds boot to `ready` and answer, nothing is fetched
from anywhere but the page's own origin (or file:/blob:/data:), the CSP is never violated,
and a .wasm with the wrong MIME type ends in the clear stalled-boot message.

The probe page (tests/e2e/probe/, test-only) boots the shipped boot.js and queues a
`version` call before ready, so queueing is exercised too. Every test uses a fresh
browser context, and every request of the page and its worker is recorded.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import proxguard
import proxguard.web
from sitebuild import bytetext, single, site, snapshot

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_S = 60
STAGES = ["runtime", "packages", "engine", "ready"]
RUNTIME_FILES = {"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json"}


@dataclass
class Traffic:
    """Every request the page or its worker made, and every CSP complaint."""

    requests: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def offsite(self, origin: str | None) -> list[str]:
        """Requests that left the page's origin (file mode: origin None)."""
        bad = []
        for url in self.requests:
            scheme = urlsplit(url).scheme
            if scheme in ("blob", "data", "about"):
                continue
            if origin is None and scheme == "file":
                continue
            if origin is not None and url.startswith(origin):
                continue
            bad.append(url)
        return bad


def watch(page: Any) -> Traffic:
    traffic = Traffic()
    page.context.on("request", lambda r: traffic.requests.append(r.url))
    page.on("console", lambda m: traffic.csp.append(m.text)
            if "Content Security Policy" in m.text else None)
    return traffic


def probe_result(page: Any, url: str) -> dict[str, Any]:
    """Load the probe page and wait until the early `version` call settles."""
    page.goto(url)
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        state = page.evaluate("() => window.probe || null")
        if state and (state["version"] or state["error"] or state["versionError"]):
            return state
        page.wait_for_timeout(50)
    raise AssertionError(f"probe did not settle in {BOOT_TIMEOUT_S} s: {state}")


def assert_booted(state: dict[str, Any], counts_bytes: bool = False) -> None:
    """`counts_bytes`: the hosted build repeats a stage with bytes loaded / total while
    its files download (issue 13 item 6); the stages still come once each, in order."""
    assert state["error"] is None
    assert state["versionError"] is None
    stages = [s["stage"] for s in state["stages"]]
    if counts_bytes:
        assert [k for k, _ in itertools.groupby(stages)] == STAGES
        repeats = [s["detail"] for prev, s in itertools.pairwise(state["stages"])
                   if s["stage"] == prev["stage"]]
        assert repeats and all(re.search(r": \d+\.\d (of \d+\.\d )?MB loaded$", d)
                               for d in repeats), repeats
    else:
        assert stages == STAGES
    assert state["version"]["name"] == "proxguard"
    assert state["version"]["version"] == proxguard.__version__
    assert state["version"] == json.loads(proxguard.web.handle("version", "{}"))


def test_hosted_boot_reaches_ready_and_answers(page: Any, site_root_url: str) -> None:
    traffic = watch(page)
    state = probe_result(page, site_root_url + "probe.html")
    assert_booted(state, counts_bytes=True)
    assert traffic.offsite(site_root_url.rstrip("/")) == []
    assert traffic.csp == []
    fetched = fetched_runtime(traffic)
    # the runtime and the snapshot came from the site's own pyodide/ folder; the snapshot
    # carries the wheels' files, so no wheel is fetched (the fallback test fetches them)
    assert fetched >= RUNTIME_FILES | {"snapshot.bin.gz"}
    assert [f for f in fetched if f.endswith(".whl")] == []


def fetched_runtime(traffic: Traffic) -> set[str]:
    return {urlsplit(u).path.rsplit("/", 1)[-1] for u in traffic.requests if "/pyodide/" in u}


def test_hosted_boot_restores_the_snapshot_with_no_fallback(page: Any, site_root_url: str) -> None:
    notes: list[str] = []
    page.on("console", lambda m: notes.append(m.text))
    traffic = watch(page)
    state = probe_result(page, site_root_url + "probe.html")
    assert_booted(state, counts_bytes=True)
    assert any(u.endswith("/pyodide/snapshot.bin.gz") for u in traffic.requests)
    assert not [n for n in notes if "snapshot" in n]


def test_hosted_boot_falls_back_when_the_snapshot_cannot_be_restored(
        page: Any, site_root_url: str) -> None:
    """A damaged snapshot (or one from another Pyodide build): a console note, then the
    normal boot, with the same stages and answers."""
    notes: list[str] = []
    page.on("console", lambda m: notes.append(m.text))
    damaged = gzip.compress(b"not a Pyodide heap" * 256)  # inflates, then fails to restore
    page.context.route("**/pyodide/snapshot.bin.gz", lambda route: route.fulfill(
        status=200, body=damaged, content_type="application/gzip"))
    traffic = watch(page)
    state = probe_result(page, site_root_url + "probe.html")
    assert_booted(state, counts_bytes=True)
    assert traffic.offsite(site_root_url.rstrip("/")) == []
    fallback = [n for n in notes if "start-up snapshot could not be restored" in n]
    assert len(fallback) == 1 and "starting Python the normal way" in fallback[0]
    assert "invalid magic number" in fallback[0]
    # the normal boot: the runtime and the four wheels from the site's own pyodide/ folder
    fetched = fetched_runtime(traffic)
    assert fetched >= RUNTIME_FILES
    assert {f.split("-")[0] for f in fetched if f.endswith(".whl")} == {
        "proxguard", "jinja2", "markupsafe", "pyparsing"}


def _packages_detail(state: dict[str, Any]) -> str:
    return next(s["detail"] for s in state["stages"] if s["stage"] == "packages")


def test_single_file_boots_from_file_url_with_no_request(page: Any, built: Any) -> None:
    """The shipped single file restores its snapshot (no console note, no normal boot:
    site-packages is written from the snapshot) and requests nothing outside itself."""
    notes: list[str] = []
    page.on("console", lambda m: notes.append(m.text))
    traffic = watch(page)
    state = probe_result(page, built.probe_single.as_uri())
    assert_booted(state)
    assert _packages_detail(state) == "writing proxguard, jinja2, markupsafe, pyparsing"
    assert not [n for n in notes if "snapshot" in n]
    assert traffic.offsite(None) == []
    assert traffic.csp == []
    # the one file: request is the page itself; everything else came from inside it
    assert [u for u in traffic.requests if u.startswith("file:")] == [built.probe_single.as_uri()]
    # the wheels are packed once, inside the snapshot
    names = re.findall(r'data-name="([^"]+)"', bytetext.read_page(built.probe_single.read_bytes()))
    assert "snapshot.bin.gz" in names and not [n for n in names if n.endswith(".whl")]


def _damaged_single(built: Any, tmp: Path) -> Path:
    """The probe page packed with a snapshot whose heap comes from "another Pyodide build"
    (its build id changed) while the files it carries are intact."""
    copy = tmp / "site"
    shutil.copytree(built.site, copy)
    packed = copy / "pyodide" / snapshot.NAME
    heap, files = snapshot.unpack(packed.read_bytes())
    other = bytearray(heap)
    other[16] ^= 0xFF  # Pyodide's header: magic, offsets, then the build id from byte 16
    packed.write_bytes(snapshot.pack(bytes(other), files))
    return site.write_single(copy, "probe.html", tmp / "probe-damaged.html", with_snapshot=True)


def test_single_file_falls_back_when_its_snapshot_cannot_be_restored(
        page: Any, built: Any, tmp_path: Path) -> None:
    """One console note, then Python starts the normal way with site-packages written from
    the snapshot's copy of the wheels (the single file has no wheels), and it audits."""
    notes: list[str] = []
    page.on("console", lambda m: notes.append(m.text))
    damaged = _damaged_single(built, tmp_path)
    traffic = watch(page)
    state = probe_result(page, damaged.as_uri())
    assert_booted(state)
    fallback = [n for n in notes if "start-up snapshot could not be restored" in n]
    assert len(fallback) == 1 and "starting Python the normal way" in fallback[0]
    assert "build id mismatch" in fallback[0]
    assert _packages_detail(state) == (
        "loading proxguard, jinja2, markupsafe, pyparsing (the snapshot's copy)")
    assert traffic.offsite(None) == []
    assert [u for u in traffic.requests if u.startswith("file:")] == [damaged.as_uri()]
    payload = {"files": {"etc/ssh/sshd_config": "PermitRootLogin yes\nPasswordAuthentication yes\n"}}
    got = page.evaluate("(p) => engine.call('audit', p)", payload)
    want = json.loads(proxguard.web.handle("audit", json.dumps(payload)))
    assert _demo_summary(got["report"]) == _demo_summary(want["report"])


ROUND_TRIP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>bytes \u2014 test</title>
<script type="module" src="check.js"></script></head><body></body></html>"""
ROUND_TRIP_SCRIPT = """import { decodeBytes } from "./boot.js";
const out = {};
for (const el of document.querySelectorAll('script[type="application/x-proxguard-asset"]')) {
  if (el.dataset.name === "worker.js") continue;
  const bytes = decodeBytes(el.textContent, Number(el.dataset.size));
  out[el.dataset.name] = [el.dataset.encoding, Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")];
}
window.decoded = out;
"""


def test_single_file_blocks_round_trip_every_byte_in_chromium(page: Any, tmp_path: Path) -> None:
    """What the HTML parser does to a block (NUL, CR, CR LF, '<', "</script", "<!--", lone
    surrogates) is escaped away: web/boot.js's decoder gives back the packed bytes exactly."""
    root = tmp_path / "site"
    (root / "pyodide").mkdir(parents=True)
    (root / "index.html").write_text(ROUND_TRIP_PAGE, encoding="utf-8")
    (root / "check.js").write_text(ROUND_TRIP_SCRIPT, encoding="utf-8")
    shutil.copyfile(Path(single.__file__).parents[1] / "web" / "boot.js", root / "boot.js")
    (root / "worker.js").write_text("self.onmessage = () => {};\n")
    tricky = (bytes(range(256)) * 2 + b"</script><!--<script>\r\n\r\0\x1b\x1b\0<\0\r\0"
              + b"\x00\xd8\xff\xdb\x00\xdc\xff\xdf\x3d\xd8\x00\xde")  # surrogates, a pair
    units = list(range(0x10000))
    random.Random(14).shuffle(units)  # every UTF-16 unit, in an order gzip cannot shrink
    files = {"tricky.bin": tricky, "tricky-odd.bin": tricky + b"\xd8",
             "every-unit.bin": b"".join(u.to_bytes(2, "little") for u in units),
             "repeats.bin": b"\r\n<\0" * 5000}  # gzip'd
    for name, data in files.items():
        (root / "pyodide" / name).write_bytes(data)
    packed = tmp_path / "round-trip.html"
    packed.write_bytes(single.pack(root, "index.html"))
    page.goto(packed.as_uri())
    page.wait_for_function("() => window.decoded !== undefined", timeout=BOOT_TIMEOUT_S * 1000)
    decoded = page.evaluate("() => window.decoded")
    assert sorted(decoded) == sorted(files)
    for name, data in files.items():
        encoding, hexed = decoded[name]
        assert (encoding, bytes.fromhex(hexed)) == single.encode_asset(data), name
    assert decoded["every-unit.bin"][0] == "bytes" and decoded["repeats.bin"][0] == "gzip+bytes"
    assert page.evaluate("() => document.characterSet") == "UTF-16LE"
    assert page.title() == "bytes \u2014 test"


def test_wrong_wasm_mime_type_ends_in_the_clear_timeout_message(
        page: Any, bad_mime_root_url: str) -> None:
    traffic = watch(page)
    started = time.monotonic()
    state = probe_result(page, bad_mime_root_url + "probe.html?timeout=3000")
    elapsed = time.monotonic() - started
    assert state["version"] is None
    assert state["error"] == state["versionError"]  # the queued call fails with the boot
    message = state["error"]
    assert message.startswith(
        "ProxGuard's engine did not start: no progress for 3 s at stage \"runtime\"")
    assert "pyodide.asm.wasm was served as \"text/plain\"" in message
    assert "wrong MIME type" in message and "application/wasm" in message
    assert 3 <= elapsed < 20
    assert traffic.offsite(bad_mime_root_url.rstrip("/")) == []


def _demo_summary(report: dict[str, Any]) -> dict[str, Any]:
    return {"grade": report["grade"], "score": report["score"],
            "findings": sorted((f["rule"], f["status"]) for f in report["findings"])}


def test_browser_engine_matches_cpython_on_every_demo(page: Any, built: Any) -> None:
    """The trimmed, precompiled runtime grades the demos exactly as CPython does."""
    state = probe_result(page, built.probe_single.as_uri())
    assert_booted(state)
    demos = page.evaluate("() => engine.call('demos', {})")["demos"]
    expected_demos = json.loads(proxguard.web.handle("demos", "{}"))["demos"]
    assert [d["id"] for d in demos] == [d["id"] for d in expected_demos]
    assert all(d["files"] == e["files"] for d, e in zip(demos, expected_demos, strict=True))
    for demo in demos:
        for profile in ("compat", "extended"):
            payload = {"files": demo["files"], "profile": profile}
            got = page.evaluate("(p) => engine.call('audit', p)", payload)
            want = json.loads(proxguard.web.handle("audit", json.dumps(payload)))
            assert _demo_summary(got["report"]) == _demo_summary(want["report"]), demo["id"]
    for fmt in ("json", "sarif", "html"):
        text = page.evaluate("(p) => engine.call('render', p)", {"report": got["report"],
                                                                  "format": fmt})["text"]
        assert text == json.loads(proxguard.web.handle(
            "render", json.dumps({"report": got["report"], "format": fmt})))["text"]


def test_shipped_pages_load_with_no_offsite_request(page: Any, site_url: str) -> None:
    """The UI's own page (hosted) reaches its first grade using only its origin."""
    traffic = watch(page)
    page.goto(site_url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_S * 1000)
    assert traffic.offsite(site_url.rsplit("/", 1)[0]) == []
    assert traffic.csp == []


def test_shipped_single_file_loads_with_no_request(page: Any, single_file_url: str) -> None:
    traffic = watch(page)
    page.goto(single_file_url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_S * 1000)
    assert traffic.offsite(None) == []
    assert traffic.csp == []
    assert [u for u in traffic.requests if u.startswith("file:")] == [single_file_url]
