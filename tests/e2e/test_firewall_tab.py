"""The Firewall tab in a real browser: arcs for a shadowed rule, a conflict's example
packet on click, a ▲ move and a drag that make the conflict disappear and come back, the
packet tester, and the exported .fw text byte for byte.

One page boot for the whole scenario (Pyodide start-up dominates the run time).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pageflow import BOOT_TIMEOUT_MS

from proxguard.render.environment import packet_text
from proxguard.web import firewall as web_firewall

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared rule set
from firewall_long_set import EVIL, long_set

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent / "data" / "fw-shadow"
CLUSTER = (DATA / "etc/pve/firewall/cluster.fw").read_text(encoding="utf-8")
REORDERED = (DATA / "cluster.reordered.fw").read_text(encoding="utf-8")


def _engine_example() -> str:
    """The example packet the engine proves for the shadowed rule (the page must show it)."""
    result = web_firewall.firewall({"files": {"cluster.fw": CLUSTER},
                                    "kinds": {"cluster.fw": "cluster_fw"},
                                    "analysis": True})
    shadow = [c for c in result["analysis"]["conflicts"] if c["type"] == "shadowing"]
    assert [c["rule"] for c in shadow] == ["fw/cluster/rule/1"]

    return packet_text(shadow[0]["example"])


def _rows(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        '.fw-rules[data-scope="cluster"] > .fw-row', "els => els.map(e => e.dataset.id + ' ' + "
        "e.querySelector('.fw-state').textContent)")


def open_tab(page: Any, url: str, cluster_fw: str, row: str, timeout: int) -> None:
    """Open the page, replace the demo by a pasted cluster.fw, open the Firewall tab and
    wait for `row` to be shown."""
    page.goto(url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)
    page.click("#clear")
    page.wait_for_selector("#report .pg-report", state="detached")
    page.fill("#p-cluster", cluster_fw)
    page.wait_for_selector("#report .pg-report", timeout=timeout)
    page.click("#tab-firewall")
    page.wait_for_selector(f'.fw-row[data-id="{row}"]', timeout=timeout)


def test_firewall_tab_arcs_click_reorder_drag_trace_export(page: Any, site_url: str) -> None:
    example = _engine_example()
    assert example == "tcp 10.20.5.1:49152 -> 192.0.2.10:443"
    open_tab(page, site_url, CLUSTER, "fw/cluster/rule/1", 15_000)

    # arcs: one shadowing arc from the office ACCEPT to the lab DROP, legend present
    arc = page.locator(".fw-arcs path.arc-shadowing")
    assert arc.count() == 1
    assert arc.get_attribute("data-from") == "fw/cluster/rule/0"
    assert arc.get_attribute("data-to") == "fw/cluster/rule/1"
    assert "shadowing" in page.inner_text(".fw-legend")
    assert _rows(page) == ["fw/cluster/rule/0 ok", "fw/cluster/rule/1 shadowed",
                           "fw/cluster/rule/2 redundant"]
    page.screenshot(path="/tmp/fw-tab.png", full_page=True)

    # click the conflict: both rules highlighted, explanation and example packet shown
    conflict = page.locator(".fw-conflict.t-shadowing")
    assert conflict.locator(".fw-detail").is_hidden()
    conflict.locator(".fw-pick").click()
    assert conflict.locator(".fw-detail").is_visible()
    assert f"Example packet: {example}" in conflict.locator(".fw-detail").inner_text()
    hl = page.eval_on_selector_all(".fw-row.hl", "els => els.map(e => e.dataset.id)")
    assert hl == ["fw/cluster/rule/0", "fw/cluster/rule/1"]
    assert page.locator(".arc.on").count() == 1

    # packet tester: the lab packet is accepted by the office rule, line 13
    page.fill("#fw-packet", "tcp 10.20.5.7:40000 -> 10.0.0.5:443 in")
    page.click("#fw-trace-form button[type=submit]")
    page.wait_for_selector(".fw-trace-result", timeout=10_000)
    trace = page.inner_text("#fw-trace")
    assert "ACCEPT by fw/cluster/rule/0 (etc/pve/firewall/cluster.fw:13)" in trace
    assert page.locator('.fw-row.traced[data-id="fw/cluster/rule/0"]').count() == 1

    # ▲ on the lab DROP: the shadowing is fixed, the delta says so, no arc remains
    page.click('.fw-row[data-id="fw/cluster/rule/1"] .fw-up')
    page.wait_for_selector("#fw-delta .fw-fixed", timeout=15_000)
    assert "shadowing" in page.inner_text("#fw-delta .fw-fixed")
    assert page.locator(".fw-arcs path.arc-shadowing").count() == 0
    assert _rows(page)[:2] == ["fw/cluster/rule/0 ok", "fw/cluster/rule/1 exception"]
    page.screenshot(path="/tmp/fw-tab-after.png", full_page=True)

    # export: the reordered file, comments and untouched lines byte for byte
    with page.expect_download() as info:
        page.click('.fw-export[data-export="etc/pve/firewall/cluster.fw"]')
    download = info.value
    assert download.suggested_filename == "cluster.fw"
    assert Path(download.path()).read_text(encoding="utf-8") == REORDERED

    # drag the office ACCEPT back above the DROP: the shadowing comes back
    page.drag_and_drop('.fw-row[data-id="fw/cluster/rule/1"]',
                       '.fw-row[data-id="fw/cluster/rule/0"]',
                       target_position={"x": 20, "y": 4})
    page.wait_for_selector("#fw-delta .fw-broke", timeout=15_000)
    assert page.locator(".fw-arcs path.arc-shadowing").count() == 1
    assert _rows(page)[1] == "fw/cluster/rule/1 shadowed"


SANDBOX_CLUSTER = """\
[OPTIONS]

enable: 1

[group sandbox-egress]

OUT ACCEPT -p tcp -dport 443
"""
SANDBOX_FW_MISSING_CT = (
    "arch: amd64\nhostname: pr-build\nostype: debian\nrootfs: local-lvm:vm-120-disk-0,size=8G\n"
    "unprivileged: 1\nnet0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:40:00:78,"
    "ip=192.168.40.50/24,type=veth\n")


def test_firewall_tab_paths_between_zones_and_guest_ports(page: Any, site_url: str) -> None:
    """Issue 17: the tester takes zones and answers hop by hop; the guest ports are listed
    beside the host's chains (all decided by the engine, the page only shows its HTML)."""
    page.goto(site_url)
    page.wait_for_selector("#grade", timeout=BOOT_TIMEOUT_MS)
    page.click("#clear")
    page.wait_for_selector("#report .pg-report", state="detached")
    page.fill("#p-cluster", SANDBOX_CLUSTER)
    page.wait_for_selector("#report .pg-report", timeout=15_000)
    page.fill("#p-lxc-id", "120")
    page.fill("#p-lxc", SANDBOX_FW_MISSING_CT)
    page.click("#tab-firewall")
    page.wait_for_selector('.fw-port[data-zone="ct120"]', timeout=15_000)
    assert "no chain — no etc/pve/firewall/120.fw" in page.inner_text('.fw-port[data-zone="ct120"]')
    assert page.locator('#fw-zones option[value="tcp ct120 -> 198.51.100.7:443"]').count() == 1

    page.fill("#fw-packet", "tcp ct120 -> 198.51.100.7:443")
    page.click("#fw-trace-form button[type=submit]")
    page.wait_for_selector(".fw-hop", timeout=10_000)
    hops = page.eval_on_selector_all(".fw-hop", "els => els.map(e => e.dataset.hop + ' ' + "
                                     "e.dataset.rule)")
    assert hops == ["ct120 net0 OUT no-guest-chain", "bridge vmbr0 FORWARD builtin/forward"]
    assert "ACCEPT" in page.inner_text(".fw-path-head")

    page.fill("#fw-packet", "tcp outside -> host:8006")
    page.click("#fw-trace-form button[type=submit]")
    page.wait_for_selector('.fw-hop[data-rule="policy/cluster/in"]', timeout=10_000)
    assert "DROP" in page.inner_text(".fw-path-head")
    page.screenshot(path="/tmp/fw-tab-paths.png", full_page=True)


# -- issue 14: a long scope shown in part --------------------------------------------------------

def _row_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all('.fw-rules[data-scope="cluster"] > .fw-row',
                                     "els => els.map(e => e.dataset.id)")


def _on_screen(page: Any, locator: Any) -> None:
    """Scroll to it and let two frames pass: rows and conflicts off screen are not laid
    out (content-visibility: auto), and their innerText is empty until they are."""
    locator.scroll_into_view_if_needed()
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_a_long_scope_in_part_every_conflict_provable_and_a_move_past_the_first_rows(
        page: Any, site_url: str) -> None:
    text = long_set()
    engine = web_firewall.firewall({"files": {"cluster.fw": text},
                                    "kinds": {"cluster.fw": "cluster_fw"}, "analysis": True})
    conflicts = engine["analysis"]["conflicts"]

    example = packet_text(conflicts[250]["example"])
    open_tab(page, site_url, text, "fw/cluster/rule/199", 30_000)

    # the first 200 rows, a control for the rest, every conflict listed
    assert _row_ids(page) == [f"fw/cluster/rule/{i}" for i in range(200)]
    assert "Rules 1–200 of 600 shown" in page.inner_text('.fw-more[data-scope="cluster"]')
    assert page.locator(".fw-conflict").count() == len(conflicts) == 300

    # a conflict past the rows shown: its proof and its rules come from the engine
    pick = page.locator('.fw-conflict[data-conflict="250"]')
    pick.locator(".fw-pick").click()
    page.wait_for_selector('.fw-row.hl[data-id="fw/cluster/rule/501"]', timeout=15_000)
    page.wait_for_selector('.fw-conflict[data-conflict="250"] .fw-example', timeout=15_000)
    assert f"Example packet: {example}" in pick.locator(".fw-detail").inner_text()
    hl = page.eval_on_selector_all(".fw-row.hl", "els => els.map(e => e.dataset.id)")
    assert hl == ["fw/cluster/rule/500", "fw/cluster/rule/501"]
    assert page.locator('.arc.on[data-from="fw/cluster/rule/500"]').count() == 1
    assert len(_row_ids(page)) == 502
    evil_row = page.locator('.fw-row[data-id="fw/cluster/rule/501"] .fw-text')
    _on_screen(page, evil_row)
    assert EVIL in evil_row.inner_text()  # shown as text, not run
    assert page.evaluate("typeof window.alert") == "function"
    pick.locator(".fw-goto").click()  # scrolls to the conflict's first rule
    for _ in range(50):  # (wait_for_function evaluates a string: the page's CSP refuses it)
        if page.evaluate("""() => { const r = document.querySelector(
                '.fw-row[data-id="fw/cluster/rule/500"]').getBoundingClientRect();
                return r.top >= 0 && r.bottom <= window.innerHeight; }"""):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the conflict's first rule was not scrolled into view")

    # ▲ on the lab DROP (row 501, past the first 200): the shadowing is fixed
    page.click('.fw-row[data-id="fw/cluster/rule/501"] .fw-up')
    page.wait_for_selector("#fw-delta .fw-fixed", timeout=30_000)
    assert "shadowing" in page.inner_text("#fw-delta .fw-fixed")
    assert len(_row_ids(page)) == 502  # the rows shown stay shown
    moved_row = page.locator('.fw-row[data-id="fw/cluster/rule/500"] .fw-text')
    _on_screen(page, moved_row)
    moved = moved_row.inner_text()
    assert moved.startswith("IN DROP -source 10.1.0.0/25") and EVIL in moved
    with page.expect_download() as info:
        page.click('.fw-export[data-export="etc/pve/firewall/cluster.fw"]')
    lines = Path(info.value.path()).read_text(encoding="utf-8").split("\n")
    assert lines[504] == f"IN DROP -source 10.1.0.0/25 -p tcp -dport 443 {EVIL}"
    assert lines[505] == "IN ACCEPT -source 10.1.0.0/24 -p tcp -dport 443"

    # show every rule: the control goes
    page.click('.fw-more[data-scope="cluster"] .fw-show[data-upto="600"]')
    page.wait_for_selector('.fw-row[data-id="fw/cluster/rule/599"]', timeout=15_000)
    assert len(_row_ids(page)) == 600 and page.locator(".fw-more").count() == 0

    # re-analysed: in part again; a traced packet and a search reach the rows not shown
    page.click("#fw-refresh")
    page.wait_for_selector('.fw-more[data-scope="cluster"]', timeout=30_000)
    assert len(_row_ids(page)) == 200
    page.fill("#fw-packet", "tcp 10.1.45.7:40000 -> 10.0.0.5:443 in")
    page.click("#fw-trace-form button[type=submit]")
    page.wait_for_selector('.fw-row.traced[data-id="fw/cluster/rule/590"]', timeout=15_000)
    page.fill("#fw-search", "10.1.40.0/25")  # shows every row first, then filters them
    page.wait_for_selector('.fw-row[data-id="fw/cluster/rule/599"]', timeout=15_000)
    assert len(_row_ids(page)) == 600
    assert page.locator(".fw-row:not(.dim)").count() == 1
