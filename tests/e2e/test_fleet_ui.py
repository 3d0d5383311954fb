"""The page with several collector archives: one row per host in the engine's fleet table,
a click shows that host's own report, and the hosts are never merged. Hosted and file://.

Fixtures `site_url`, `single_file_url` and `page` come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import base64
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from pageflow import BOOT_TIMEOUT_MS

import proxguard

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"fresh-install": "pve-old", "hardened": "pve-new"}


@pytest.fixture(params=["hosted", "file"])
def app_url(request: pytest.FixtureRequest) -> str:
    name = "site_url" if request.param == "hosted" else "single_file_url"
    return str(request.getfixturevalue(name))


def _archive(demo: str) -> str:
    buf = io.BytesIO()
    root = ROOT / "examples" / demo
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in sorted(root.rglob("*")):
            if f.is_file():
                tar.add(f, arcname=f"proxguard-{NAMES[demo]}-20261130T080000Z/"
                                   f"{f.relative_to(root).as_posix()}")
    return base64.b64encode(buf.getvalue()).decode()


def _grade_alone(demo: str) -> str | None:
    return proxguard.audit(proxguard.Snapshot.from_paths([ROOT / "examples" / demo])).grade


DROP = """archives => {
    const dt = new DataTransfer();
    for (const [name, b64] of archives) {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        dt.items.add(new File([bytes], name, {type: "application/gzip"}));
    }
    document.querySelector("#dropzone").dispatchEvent(
        new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
}"""


def test_two_archives_give_a_fleet_table_and_each_host_its_own_report(page: Any,
                                                                      app_url: str) -> None:
    page.set_default_timeout(20_000)
    page.goto(app_url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)  # the demo's first grade
    assert page.input_value("#demo") == "agent-lab"
    # Dropped on the demo: the archives replace it (two hosts, not two hosts plus the demo).
    page.evaluate(DROP, [["old.tar.gz", _archive("fresh-install")],
                         ["new.tar.gz", _archive("hardened")]])
    page.wait_for_selector("#report .pg-fleet-table")
    rows = page.locator(".pg-fleet-table tbody tr")
    assert rows.count() == 2
    assert [rows.nth(i).locator("th a").text_content() for i in range(2)] == ["pve-old", "pve-new"]
    letters = [rows.nth(i).locator(".pg-fleet-letter").text_content() for i in range(2)]
    assert letters == [_grade_alone("fresh-install"), _grade_alone("hardened")]
    assert "Audited 2 hosts separately" in page.text_content("#audit-state")
    assert page.input_value("#demo") == ""
    assert page.text_content("#loaded-count") == "(2)"  # the two archives only
    assert page.is_disabled("[data-download='json']")  # no host chosen yet

    page.click(".pg-fleet-table a >> text=pve-new")
    page.wait_for_selector("#fleet-host .pg-report")
    assert page.text_content("#fleet-host #grade") == _grade_alone("hardened")
    assert "Host pve-new" in page.text_content("#fleet-host h2")
    assert page.get_attribute(".pg-fleet-table a >> text=pve-new", "aria-current") == "true"
    assert not page.is_disabled("[data-download='json']")

    page.click(".pg-fleet-table a >> text=pve-old")
    page.wait_for_function(
        "document.querySelector('#fleet-host h2').textContent.includes('pve-old')")
    assert page.text_content("#fleet-host #grade") == _grade_alone("fresh-install")
    assert page.locator("#report .pg-report").count() == 1  # one host's report at a time
