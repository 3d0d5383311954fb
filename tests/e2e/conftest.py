"""Browser-test fixtures: one site build per session, a local static server, Debian's chromium.

The build goes to a temporary directory (never dist/), with a test-only probe page added
next to index.html; the probe boots the shipped boot.js and records what happens, which
lets the runtime tests work whatever the UI page does. Chromium is Debian's
/usr/bin/chromium driven by Playwright (never `playwright install`); every context is
fresh, so every load is cold.

Fixtures for the UI tests: `site_url` (hosted index.html), `single_file_url` (file:// of
the single-file page), `page` (a page in a fresh context).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "probe"
CHROMIUM = os.environ.get("PROXGUARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

if str(ROOT) not in sys.path:  # build.py and sitebuild/ live at the repo root
    sys.path.insert(0, str(ROOT))

from sitebuild import serve, site  # noqa: E402


def _load_build() -> Any:
    # By path: a PyPI package named `build` may be installed and would win an import.
    spec = importlib.util.spec_from_file_location("proxguard_build", ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _load_build()


@dataclass(frozen=True)
class Built:
    site: Path
    single: Path | None  # the shipped single file (dist/proxguard.html), if index.html exists
    probe_single: Path  # the probe page packed the same way


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    extra = {name: (PROBE / name).read_text(encoding="utf-8") for name in ("probe.html", "probe.js")}
    result = build.build(out, extra=extra)
    probe_single = site.write_single(result.site, "probe.html", out / "probe-single.html")
    return Built(result.site, result.single, probe_single)


def _serve(directory: Path, wasm_type: str) -> Iterator[str]:
    server = serve.make_server(directory, wasm_type=wasm_type)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield serve.url_of(server)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_root_url(built: Built) -> Iterator[str]:
    """The built site served on 127.0.0.1 with correct MIME types."""
    yield from _serve(built.site, "application/wasm")


@pytest.fixture(scope="session")
def bad_mime_root_url(built: Built) -> Iterator[str]:
    """The same site, but .wasm served as text/plain (a misconfigured server)."""
    yield from _serve(built.site, "text/plain")


@pytest.fixture(scope="session")
def site_url(site_root_url: str, built: Built) -> str:
    if not (built.site / "index.html").is_file():
        pytest.fail("web/index.html is missing: the UI page was not built")
    return site_root_url + "index.html"


@pytest.fixture(scope="session")
def single_file_url(built: Built) -> str:
    if built.single is None:
        pytest.fail("web/index.html is missing: the single-file page was not built")
    return built.single.as_uri()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (empty cache and storage): every load is a cold load."""
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
