"""The Access tab in a real browser, from the single file (file://): the agent lab's
matrix, the agent's privilege-separated token read-only with the lines that decided it,
reached and opened with the keyboard alone, reached from the report's access finding,
and no sideways scrolling at phone width.

What the page shows is checked against what the engine itself answers for the same
files (`proxguard.engine.permissions`), so the page cannot drift from the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pageflow import BOOT_TIMEOUT_MS
from test_audit_ui import _axe_source  # tests/e2e: axe-core, pinned by sha256

from proxguard.engine.permissions import permission_view
from proxguard.inputs import Snapshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "agent@pve!mcp"


def _engine_cell(subject: str, path: str) -> dict[str, Any]:
    view = permission_view(Snapshot.from_paths([str(ROOT / "examples" / "agent-lab")]))
    return next(c.to_json() for c in view.cells if (c.subject, c.path) == (subject, path))


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && (document.activeElement.dataset.cell"
                             " || document.activeElement.id || '')"))


def test_access_tab_matrix_token_cell_keyboard_and_phone(page: Any,
                                                         single_file_url: str) -> None:
    want = _engine_cell(TOKEN, "/")
    assert (want["tier"], want["privileges"]) == (
        "read", ["Datastore.Audit", "Sys.Audit", "VM.Audit"])
    assert [d["line"] for d in want["decided_by"]] == [12, 13]

    page.set_default_timeout(15_000)
    page.goto(single_file_url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)  # the agent-lab demo
    page.click("#tab-access")
    page.wait_for_selector(".ax-matrix")

    # the matrix: every user and token × every path, tokens right under their owner
    rows = page.eval_on_selector_all(".ax-row", "els => els.map(e => e.dataset.subject)")
    assert rows == ["root@pam", "agent@pve", TOKEN, "sam@pve"]
    heads = page.eval_on_selector_all(".ax-matrix thead th code", "els => els.map(e => e.textContent)")
    assert heads == ["/", "/storage", "/vms"]
    token_row = page.locator(f'.ax-row[data-subject="{TOKEN}"]')
    assert "privsep=1" in token_row.locator("th").inner_text()
    assert "intersected with what agent@pve holds" in token_row.locator("th").inner_text()
    cell = token_row.locator('td[data-path="/"] .ax-cell')
    assert cell.inner_text() == "read"  # the tier is text, not colour alone
    assert "t-read" in (cell.get_attribute("class") or "")

    # keyboard only: from the Recompute button, Tab reaches the token's cell; Enter opens it
    page.focus("#ax-refresh")
    target = cell.get_attribute("data-cell")
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focused(page) == target:
            break
    assert _focused(page) == target
    page.keyboard.press("Enter")
    detail = page.locator("#ax-detail")
    assert _focused(page) == "ax-detail"
    text = detail.inner_text()
    assert "etc/pve/user.cfg:13 acl:1:/:agent@pve!mcp:AgentReadOnly:" in text
    assert "etc/pve/user.cfg:12 acl:1:/:agent@pve:AgentReadOnly:" in text
    for priv in want["privileges"]:
        assert priv in text
    assert cell.get_attribute("aria-expanded") == "true"
    # back to the matrix, on the same cell
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert _focused(page) == target

    # a click on another cell (sam on /vms: admin tier through VM.Allocate)
    page.click('.ax-row[data-subject="sam@pve"] td[data-path="/vms"] .ax-cell')
    assert "etc/pve/user.cfg:10 acl:1:/vms:@operators:PVEVMAdmin:" in detail.inner_text()
    assert "admin" in detail.locator("h3").inner_text()

    # axe-core on the tab, a cell open, light and dark: no serious or critical problem
    page.evaluate(_axe_source())
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        bad = page.evaluate("""async () => {
            const r = await axe.run('#panel-access', {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')));
        }""")
        assert bad == [], (scheme, bad)
    page.emulate_media(color_scheme="light")

    # an access finding's target links to its subject's row (the page's `explain` link)
    page.click("#tab-audit")
    page.eval_on_selector('details[data-rule="admin-api-tokens"]', "d => d.open = true")
    page.click(f'details[data-rule="admin-api-tokens"] .pg-access-link[data-access-subject="{TOKEN}"]')
    page.wait_for_selector("#panel-access:not([hidden])")
    page.wait_for_function(f"document.activeElement?.closest('.ax-row')?.dataset.subject === '{TOKEN}'")
    assert "ax-hl" in (token_row.get_attribute("class") or "")

    # phone width: the matrix becomes cards, nothing wider than the screen
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(100)
    over = page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('#panel-access *'))
            .filter(e => e.getBoundingClientRect().right > w + 0.5)
            .map(e => e.tagName + '.' + e.className).slice(0, 5);
    }""")
    assert over == []
    assert page.evaluate("document.querySelector('#panel-access').scrollWidth "
                         "<= document.documentElement.clientWidth")
    assert token_row.locator('td[data-path="/"] .ax-cell').is_visible()
    page.screenshot(path="/tmp/access-phone.png", full_page=True)
