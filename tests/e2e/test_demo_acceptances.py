"""The agent-lab demo brings its acceptances.toml into the page, and takes it away again.

The trust point (issue 12 leftovers, docs/web.md): the page never mixes its demo into your
audit. The demo's documented exceptions (privileged PBS, Docker nesting, the sandboxes'
backups) are shown as accepted with their reasons and a note saying where they came from;
your own files — picked, dropped or pasted — and another demo are audited without them,
even where your files hold the very targets the demo accepts. An acceptance you made
yourself stays. Fixtures `site_url` and `page` come from tests/e2e/conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pageflow import new_audit, open_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "examples" / "agent-lab"
# the six (rule, target) pairs of examples/agent-lab/acceptances.toml
DEMO_ACCEPTED = [["privileged-containers", "ct/110"], ["container-nesting", "ct/104"],
                 ["container-nesting", "ct/105"], ["backup-coverage", "ct/120"],
                 ["backup-coverage", "ct/121"], ["backup-coverage", "ct/122"]]
APPLIED = ("(window.proxguard.state.report.acceptances.applied || [])"
           ".map(a => [a.rule, a.target])")


def status(page: Any, rule: str, target: str) -> str:
    row = page.locator(f'details[data-rule="{rule}"] tr:has(th code:text-is("{target}"))')
    return str(row.get_attribute("class"))


def assert_demo_acceptances(page: Any) -> None:
    assert sorted(page.evaluate(APPLIED)) == sorted(DEMO_ACCEPTED)
    assert status(page, "privileged-containers", "ct/110") == "st-accepted"
    assert "documented exception" in str(page.text_content("#mode-banner"))
    assert page.text_content("#fl-acc-count") == "(6)"
    assert page.get_attribute("#fl-acc-demo", "hidden") is None  # the note is shown


def assert_no_demo_acceptance(page: Any, own: int = 0) -> None:
    applied = [tuple(a) for a in page.evaluate(APPLIED)]
    assert not set(applied) & {tuple(a) for a in DEMO_ACCEPTED}, applied
    assert page.text_content("#fl-acc-count") == f"({own})"
    assert page.get_attribute("#fl-acc-demo", "hidden") is not None  # no note
    assert "from the" not in str(page.text_content("#fl-acc-list"))
    assert "documented exception" not in str(page.text_content("#mode-banner"))


def test_demo_acceptances_are_shown_and_never_applied_to_own_files(
        page: Any, site_url: str, tmp_path: Path) -> None:
    open_app(page, site_url)
    assert page.input_value("#demo") == "agent-lab"
    assert_demo_acceptances(page)
    page.click("#tab-fix")
    assert "6 of these came with the Agent lab demo" in str(page.text_content("#fl-acc-demo"))
    assert page.locator(".fl-acc-item .fl-demo-tag").count() == 6
    page.click("#tab-audit")
    assert "Proxmox Backup Server needs a UID-preserving chunk store" in str(page.locator(
        'details[data-rule="privileged-containers"]').text_content())

    # your own files hold the very containers the demo accepts: they fail, unaccepted
    picked = []
    for vmid in ("110", "104"):
        dest = tmp_path / f"{vmid}.conf"
        dest.write_text((LAB / f"etc/pve/lxc/{vmid}.conf").read_text())
        picked.append(str(dest))
    new_audit(page, lambda: page.set_input_files("#pick-files", picked))
    assert "Left the demo" in str(page.text_content("#mode-banner"))
    assert status(page, "privileged-containers", "ct/110") == "st-fail"
    assert status(page, "container-nesting", "ct/104") == "st-fail"
    assert_no_demo_acceptance(page)

    # back to the demo: its acceptances come back with it; a paste leaves them behind
    new_audit(page, lambda: page.select_option("#demo", "agent-lab"))
    assert_demo_acceptances(page)
    new_audit(page, lambda: page.fill("#p-lxc-id", "110"))  # still the demo
    assert_demo_acceptances(page)
    new_audit(page, lambda: page.fill("#p-lxc", (LAB / "etc/pve/lxc/110.conf").read_text()))
    assert [i["path"] for i in page.evaluate("window.proxguard.state.report.inputs")] == [
        "etc/pve/lxc/110.conf"]
    assert status(page, "privileged-containers", "ct/110") == "st-fail"
    assert_no_demo_acceptance(page)


def test_another_demo_drops_them_and_your_own_acceptance_stays(
        page: Any, site_url: str, tmp_path: Path) -> None:
    open_app(page, site_url)
    assert_demo_acceptances(page)
    # one acceptance of your own, imported while the demo is shown
    own = tmp_path / "mine.toml"
    own.write_text('[[accept]]\nrule = "ssh-banner"\ntarget = "host"\n'
                   'reason = "no legal notice needed on a home network"\n', encoding="utf-8")
    page.click("#tab-fix")
    new_audit(page, lambda: page.set_input_files("#fl-import", str(own)))
    assert page.text_content("#fl-acc-count") == "(7)"
    assert "6 of these came with the Agent lab demo" in str(page.text_content("#fl-acc-demo"))

    # another demo: the lab's exceptions go, yours stays
    page.click("#tab-audit")
    assert new_audit(page, lambda: page.select_option("#demo", "fresh-install")) == "F"
    assert_no_demo_acceptance(page, own=1)
    assert "ssh-banner" in str(page.text_content("#fl-acc-list"))
    assert status(page, "privileged-containers", "ct/100") == "st-fail"

    # "Clear the demo" after the lab: the same
    new_audit(page, lambda: page.select_option("#demo", "agent-lab"))
    assert page.text_content("#fl-acc-count") == "(7)"
    page.click("#mode-leave")
    page.wait_for_selector("#report .pg-report", state="detached")
    assert page.text_content("#fl-acc-count") == "(1)"
    assert page.get_attribute("#fl-acc-demo", "hidden") is not None
