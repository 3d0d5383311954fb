"""Façade handlers of the Firewall tab: analysis + HTML, trace, reorder (what it fixed and
broke, byte-exact export), and the errors the page gets for bad requests."""

from __future__ import annotations

import json
import re
from typing import Any

from firewall_long_set import EVIL, long_set
from markupsafe import escape

from proxguard.render.environment import packet_text
from proxguard.web import firewall as web_fw
from proxguard.web import handle

# LF file (a CRLF header is not a header for Proxmox); one rule line keeps a stray CR,
# which must travel with the rule, and comments/blank lines must stay where they are.
SHADOW = ("[OPTIONS]\nenable: 1\n[RULES]\n# office first\n"
          "IN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16 # office\r\n"
          "\n# lab\n  IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n"
          "[GROUP web]\nIN ACCEPT -p tcp -dport 80\nIN DROP -p tcp -dport 80\n")


def call(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(handle(kind, json.dumps(payload)))  # type: ignore[no-any-return]


def files(text: str = SHADOW) -> dict[str, Any]:
    return {"files": {"etc/pve/firewall/cluster.fw": text}}


def test_analysis_html_and_working_copy() -> None:
    out = call("firewall", {**files(), "analysis": True})
    assert out["files"] == {"etc/pve/firewall/cluster.fw": SHADOW}
    assert out["kinds"] == {"etc/pve/firewall/cluster.fw": "cluster_fw"}
    types = sorted((c["type"], c["rule"]) for c in out["analysis"]["conflicts"])
    assert ("shadowing", "fw/cluster/rule/1") in types
    assert 'data-from="fw/cluster/rule/0" data-to="fw/cluster/rule/1"' in out["html"]
    assert 'class="fw-row depth-0 st-shadowed movable" data-id="fw/cluster/rule/1"' in out["html"]


def test_reorder_fixes_the_shadowing_and_keeps_every_other_byte() -> None:
    out = call("firewall_reorder", {**files(), "scope": "cluster",
                                    "order": ["fw/cluster/rule/1", "fw/cluster/rule/0"]})
    assert out["text"] == (
        "[OPTIONS]\nenable: 1\n[RULES]\n# office first\n"
        "  IN DROP -p tcp -dport 443 -source 10.20.5.0/24\n"
        "\n# lab\nIN ACCEPT -p tcp -dport 443 -source 10.20.0.0/16 # office\r\n"
        "[GROUP web]\nIN ACCEPT -p tcp -dport 80\nIN DROP -p tcp -dport 80\n")
    assert [c["type"] for c in out["fixed"]] == ["shadowing"]
    assert out["broke"] == []
    assert [c["type"] for c in out["notes"]] == ["generalisation"]
    assert out["files"]["etc/pve/firewall/cluster.fw"] == out["text"]
    assert "Fixed (1)" in out["delta_html"]


def test_reorder_inside_a_security_group_section() -> None:
    out = call("firewall_reorder", {**files(), "scope": "group/web",
                                    "order": ["fw/group/web/rule/1", "fw/group/web/rule/0"]})
    lines = out["text"].split("\n")
    assert lines[9:11] == ["IN DROP -p tcp -dport 80", "IN ACCEPT -p tcp -dport 80"]
    assert [c["rule"] for c in out["fixed"]] == []  # the group is used by no chain here


def test_bad_requests_get_a_sentence() -> None:
    assert call("firewall_reorder", {**files(), "scope": "cluster",
                                     "order": ["fw/cluster/rule/0"]})["error"].startswith(
        "`order` must list each rule id of the scope exactly once (expected 2 ids")
    assert call("firewall_reorder", {**files(), "scope": "guest/9", "order": []})["error"] == \
        "unknown firewall scope 'guest/9'"
    assert call("firewall", {"files": {"etc/ssh/sshd_config": "Port 22\n"}})["error"].startswith(
        "no firewall file in these inputs")
    assert call("firewall_trace", files())["error"].startswith("`packet` must be a packet spec")


def test_trace_and_hostile_text_is_escaped() -> None:
    out = call("firewall_trace", {**files(), "packet": "tcp 10.20.5.7:4000 -> 10.0.0.5:443 in"})
    assert out["trace"]["results"][0]["rule"] == "fw/cluster/rule/0"
    assert "ACCEPT by fw/cluster/rule/0 (etc/pve/firewall/cluster.fw:5)" in out["html"]
    bad = call("firewall_trace", {**files(), "packet": "nonsense"})
    assert "packet spec not understood" in bad["html"]
    evil = "[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 22 # <img src=x onerror=alert(1)>\n"
    html = call("firewall", files(evil))["html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_path_tester_and_guest_ports_through_the_facade() -> None:
    """Issue 17: the tab's tester takes zones; guest ports are listed, escaped."""

    files = {
        "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
        "etc/pve/lxc/120.conf": "hostname: x\nnet0: name=eth0,bridge=<b>vmbr0</b>,firewall=1,"
                                "hwaddr=BC:24:11:40:00:78,ip=192.168.40.50/24,type=veth\n",
    }
    first = web_fw.firewall({"files": files})
    assert "etc/pve/lxc/120.conf" in first["files"]  # the working copy keeps the guests
    assert "&lt;b&gt;vmbr0&lt;/b&gt;" in first["html"] and "<b>vmbr0" not in first["html"]
    out = web_fw.firewall_trace({"files": first["files"], "kinds": first["kinds"],
                                 "packet": "tcp ct120 -> 198.51.100.7:443"})
    assert [(h["hop"], h["rule"]) for h in out["path"]["hops"]] == [
        ("ct120 net0 OUT", "no-guest-chain"), ("bridge <b>vmbr0</b> FORWARD", "builtin/forward")]
    assert "bridge &lt;b&gt;vmbr0&lt;/b&gt; FORWARD" in out["html"]
    bad = web_fw.firewall_trace({"files": first["files"], "kinds": first["kinds"],
                                 "packet": "tcp ct999 -> outside:443"})
    assert "no guest config for ct999" in bad["path"]["error"]


def test_the_analysis_json_is_sent_only_when_asked() -> None:
    """The page renders the engine's HTML and never reads the analysis JSON (2.9 MB at
    5,000 rules), so the tab's calls leave it out unless a caller asks for it."""
    assert "analysis" not in call("firewall", files())
    assert set(call("firewall", {**files(), "analysis": True})["analysis"]) >= {"conflicts"}


# -- a long scope shown in part (issue 14) ------------------------------------------------------

def row_ids(html: str) -> list[str]:
    return re.findall(r'<li class="fw-row [^"]*" data-id="([^"]*)"', html)


def test_a_long_scope_shows_its_first_rows_and_every_conflict() -> None:
    out = call("firewall", {**files(long_set()), "analysis": True})
    html = out["html"]
    assert row_ids(html) == [f"fw/cluster/rule/{i}" for i in range(200)]
    assert "Rules 1–200 of 600 shown" in html and 'data-upto="600">Show all 600 rules' in html
    assert "Show the next" not in html  # 200 + ROWS_STEP is past the end
    # the whole order is in the page, for moves of rules it does not show
    order = [f"fw/cluster/rule/{i}" for i in range(600)]
    assert f"data-order='{json.dumps(order)}'" in html
    # every conflict is listed; the first 200 with their proof, the others' left out
    assert html.count('<li class="fw-conflict ') == len(out["analysis"]["conflicts"]) == 300
    assert html.count("Example packet:") == 200
    assert html.count("data-lazy") == 100
    assert "<script>" not in html


def test_more_rows_are_the_rows_of_the_whole_scope() -> None:
    first = call("firewall", files(long_set()))
    work = {"files": first["files"], "kinds": first["kinds"]}
    more = call("firewall_more", {**work, "shown": {"cluster": 200}, "scope": "cluster",
                                  "upto": 600})
    [part] = more["parts"]
    assert (part["scope"], part["start"], part["shown"], part["total"]) == ("cluster", 200, 600, 600)
    assert part["more"] == ""  # nothing left to show
    assert row_ids(part["rows"]) == [f"fw/cluster/rule/{i}" for i in range(200, 600)]
    # the rows and arcs are those of the scope rendered whole

    whole = web_fw.firewall({**work, "shown": {"cluster": 600}})["html"]
    start = whole.index('<li class="fw-row', whole.index('data-id="fw/cluster/rule/199"'))
    assert part["rows"].strip() == whole[start:whole.index("</ol>")].strip()
    assert part["svg"] in whole and part["svg"].count("<path ") == 300
    assert "&lt;script&gt;alert(&#34;$(id)&#34;)&lt;/script&gt; &#39;q&#39; &amp;amp;" in part["rows"]
    assert "<script>" not in part["rows"]


def test_a_conflicts_proof_and_rows_on_demand() -> None:
    first = call("firewall", {**files(long_set()), "analysis": True})
    c = first["analysis"]["conflicts"][250]
    assert (c["rule"], c["by"]) == ("fw/cluster/rule/501", ["fw/cluster/rule/500"])
    more = call("firewall_more", {"files": first["files"], "kinds": first["kinds"],
                                  "shown": {"cluster": 200}, "conflict": 250})


    assert f"Example packet: <code>{escape(packet_text(c['example']))}</code>" in more["proof"]
    assert c["message"].split(" (")[0] in more["proof"]
    [part] = more["parts"]  # rows 200..501: the conflict's two rules are shown
    assert row_ids(part["rows"])[-2:] == ["fw/cluster/rule/500", "fw/cluster/rule/501"]
    assert 'data-from="fw/cluster/rule/500" data-to="fw/cluster/rule/501"' in part["svg"]
    # the next step would reach the end: only "show all" is offered
    assert "Show the next" not in part["more"] and "Show all 600 rules" in part["more"]
    # nothing to add when the page shows them already
    again = call("firewall_more", {"files": first["files"], "kinds": first["kinds"],
                                   "shown": {"cluster": 600}, "conflict": 250})
    assert again["parts"] == [] and again["proof"] == more["proof"]
    assert call("firewall_more", {**files(long_set()), "conflict": 300})["error"].startswith(
        "`conflict` must be a conflict number below 300")
    assert call("firewall_more", {**files(long_set()), "shown": {"cluster": "x"}})[
        "error"].startswith("`shown` must map scope ids")


def test_more_answers_for_the_files_it_is_given_not_the_last_ones() -> None:
    call("firewall", files(long_set()))
    other = call("firewall_more", {**files(long_set(150)), "shown": {"cluster": 200},
                                   "scope": "cluster", "upto": 300})
    [part] = other["parts"]
    assert part["total"] == 300 and row_ids(part["rows"])[-1] == "fw/cluster/rule/299"


def test_reorder_beyond_the_rows_shown_keeps_them_and_shows_the_moved_rules() -> None:
    first = call("firewall", files(long_set()))
    order = [f"fw/cluster/rule/{i}" for i in range(600)]
    order[500], order[501] = order[501], order[500]  # the lab DROP above its office ACCEPT
    out = call("firewall_reorder", {"files": first["files"], "kinds": first["kinds"],
                                    "scope": "cluster", "order": order,
                                    "shown": {"cluster": 250}})
    assert [(c["type"], c["rule"]) for c in out["fixed"]] == [("shadowing", "fw/cluster/rule/501")]
    assert out["broke"] == []
    ids = row_ids(out["html"])
    assert ids == [f"fw/cluster/rule/{i}" for i in range(502)]  # through both moved rules
    lines = out["text"].split("\n")
    assert lines[504].startswith("IN DROP -source 10.1.0.0/25") and EVIL in lines[504]
    assert lines[505] == "IN ACCEPT -source 10.1.0.0/24 -p tcp -dport 443"
    assert "<script>" not in out["html"]


def test_hostile_names_stay_escaped_in_the_order_data() -> None:
    node = "n'\"<b>$(id)"
    out = call("firewall", {"files": {
        "etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
        f"etc/pve/nodes/{node}/host.fw": "[RULES]\nIN ACCEPT -p tcp -dport 22\n"}})
    html = out["html"]
    assert "<b>" not in html and "n'\"" not in html
    assert "\\u0027\\\"\\u003cb\\u003e$(id)/rule/0" in html
    # a conflict in that node's file: its proof and rows from firewall_more, escaped too
    shadow = {"etc/pve/firewall/cluster.fw": "[OPTIONS]\nenable: 1\n",
              f"etc/pve/nodes/{node}/host.fw": "[RULES]\nIN ACCEPT -p tcp -dport 22\n"
                                               "IN DROP -p tcp -dport 22 # <i>x</i>\n"}
    first = call("firewall", {"files": shadow, "analysis": True})
    n = next(i for i, c in enumerate(first["analysis"]["conflicts"]) if c["type"] == "shadowing")
    more = call("firewall_more", {"files": first["files"], "kinds": first["kinds"],
                                  "shown": {}, "conflict": n,
                                  "reveal": [f"fw/node/{node}/rule/1"]})
    assert "&lt;b&gt;$(id)/host.fw" in more["proof"] and "<b>" not in more["proof"]
    assert more["parts"] == []  # both rules are within the first 200 rows


def test_a_scope_longer_than_a_step_offers_the_next_rows() -> None:
    html = call("firewall", files(long_set(700)))["html"]
    assert '<button type="button" class="btn fw-show" data-upto="1200">Show the next 1000 rules' \
        in html and 'data-upto="1400">Show all 1400 rules' in html


def test_an_edit_to_another_file_does_not_analyse_the_firewall_again(monkeypatch: Any) -> None:
    """An audit after any edit reloads an open Firewall tab: unchanged firewall files (and
    snapshot diagnostics) give the same tab from the last analysis (the parsers read files
    in path order, so the order they came in does not matter); a changed one is read and
    analysed afresh."""

    runs: list[int] = []
    real = web_fw.analyse
    monkeypatch.setattr(web_fw, "analyse", lambda cfg: runs.append(1) or real(cfg))
    web_fw._LAST.clear()
    fw = {"etc/pve/firewall/cluster.fw": SHADOW}
    first = web_fw.firewall({"files": {**fw, "etc/ssh/sshd_config": "Port 22\n"}})
    again = web_fw.firewall({"files": {**fw, "etc/ssh/sshd_config": "Port 2222\n"}})
    assert len(runs) == 1 and again == first
    more = web_fw.firewall_more({"files": first["files"], "kinds": first["kinds"],
                                 "conflict": 0})
    assert len(runs) == 1 and "Example packet:" in more["proof"]
    edited = SHADOW.replace("# office\r", "# office 2\r")
    changed = web_fw.firewall({"files": {"etc/pve/firewall/cluster.fw": edited}})
    assert len(runs) == 2 and changed["html"] != first["html"]
    host = {"etc/pve/nodes/a/host.fw": "[RULES]\nIN ACCEPT -p tcp -dport 22\n",
            "etc/pve/nodes/b/host.fw": "[RULES]\nIN DROP -p tcp -dport 22\n"}
    one = web_fw.firewall({"files": {**fw, **host}})
    other = web_fw.firewall({"files": {**fw, **dict(reversed(host.items()))}})
    assert len(runs) == 3 and other == one
