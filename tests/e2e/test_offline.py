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
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

import proxguard
import proxguard.web

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


def test_single_file_boots_from_file_url_with_no_request(page: Any, built: Any) -> None:
    traffic = watch(page)
    state = probe_result(page, built.probe_single.as_uri())
    assert_booted(state)
    assert traffic.offsite(None) == []
    assert traffic.csp == []
    # the one file: request is the page itself; everything else came from inside it
    assert [u for u in traffic.requests if u.startswith("file:")] == [built.probe_single.as_uri()]


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
