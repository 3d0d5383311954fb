"""The "who can log in how" table on the web page: the page shows exactly the engine's
`ssh_logins` (same Jinja template as the HTML report), /etc/group pasted into the
"any other file" box is used, and an account name carrying markup stays text.

Fixtures `site_url` and `page` come from tests/e2e/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from pageflow import BOOT_TIMEOUT_MS

import proxguard

pytestmark = pytest.mark.browser

NAME = "<img/src=x/onerror=window.__pgxss=1>"  # one token: no spaces in a user name
SSHD = f"""Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin yes
UsePAM yes
KbdInteractiveAuthentication no
DenyUsers guest
AllowUsers root@10.0.0.0/8 admin {NAME}
AllowGroups sshusers
Match Address 192.168.1.0/24
\tPasswordAuthentication no
"""
GROUP = "root:x:0:\nsudo:x:27:admin\nsshusers:x:1001:admin,root\n"


def _open(page: Any, url: str) -> None:
    page.set_default_timeout(15_000)
    page.goto(url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)
    page.click("#clear")
    page.wait_for_selector("#report .pg-report", state="detached")


def test_login_table_matches_the_engine(page: Any, site_url: str) -> None:
    _open(page, site_url)
    page.fill("#p-sshd", SSHD)
    page.fill("#p-auto", GROUP)
    page.wait_for_selector("#ssh-logins table", timeout=15_000)
    page.wait_for_function(
        "document.querySelectorAll('#ssh-logins tbody tr').length >= 5", timeout=15_000)
    want = proxguard.audit(proxguard.Snapshot.from_texts(
        {"etc/ssh/sshd_config": SSHD, "etc/group": GROUP})).to_json()["ssh_logins"]
    heads = page.eval_on_selector_all("#ssh-logins thead th",
                                      "els => els.map(e => e.textContent.trim())")
    assert heads[0] == "Account"
    assert [h.split(" etc/")[0] for h in heads[1:]] == [c["label"] for c in want["columns"]]
    rows = page.eval_on_selector_all(
        "#ssh-logins tbody tr",
        "trs => trs.map(tr => [tr.querySelector('th').textContent.trim(),"
        " ...Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim())])")
    assert [r[0] for r in rows] == [r["label"] for r in want["rows"]]
    by_label = {r[0]: r[1:] for r in rows}
    # root: denied from an unnamed source, key + password from 10.0.0.0/8 (group from /etc/group)
    assert by_label["root"][0].startswith("denied (not listed in AllowUsers, etc/ssh/sshd_config:6")
    assert by_label["root"][2] == "publickey, password"
    assert by_label["admin"][1] == "publickey"
    assert by_label["guest"][0].startswith("denied (listed in DenyUsers (guest)")
    assert page.locator("#ssh-logins td.login-password").count() >= 1
    # the hostile account name is text, never markup
    assert NAME in by_label
    assert page.locator("#report img[src='x']").count() == 0
    assert page.evaluate("window.__pgxss") is None
