"""The page steps every browser test repeats: load the app until its first grade, and run
an action until a new report replaced the one shown."""

from __future__ import annotations

from typing import Any

BOOT_TIMEOUT_MS = 60_000  # a cold Pyodide start on a loaded 2-core box


def open_app(page: Any, url: str) -> None:
    """Load the page and wait for the first grade (the agent-lab demo audits on its own)."""
    page.set_default_timeout(15_000)
    page.goto(url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)


def new_audit(page: Any, action: Any, timeout: int = 15_000) -> str:
    """Run `action` and wait until a new report fragment replaced the old one; its grade."""
    page.evaluate("document.querySelector('#report .pg-report')?.setAttribute('data-old', '1')")
    action()
    page.wait_for_selector("#report .pg-report:not([data-old])", state="attached", timeout=timeout)
    return str(page.text_content("#grade"))
