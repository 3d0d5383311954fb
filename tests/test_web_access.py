"""Façade handler of the Access tab: the matrix JSON (same contract as the CLI), the HTML
with tiers as text, tokens under their owner, deciding lines per cell — and hostile ids
arriving as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proxguard.render.permissions import render_permissions_text
from proxguard.text import printable
from proxguard.web import handle

LAB = Path(__file__).resolve().parent / "data" / "permissions" / "lab" / "etc/pve/user.cfg"
HOSTILE = ('user:root@pam:1:0::::::\nuser:x$(id)"\x1b[31m@pve:1:0::::::\n'
           'token:x$(id)"\x1b[31m@pve!ci:0:1::\n'
           'acl:1:/vms:x$(id)"\x1b[31m@pve!ci:PVEVMUser:\n'
           'acl:1:/:x$(id)"\x1b[31m@pve:PVEAuditor:\n')


def call(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(handle(kind, json.dumps(payload)))  # type: ignore[no-any-return]


def test_matrix_json_and_html() -> None:
    out = call("access", {"files": {"etc/pve/user.cfg": LAB.read_text(encoding="utf-8")}})
    assert out["permissions"]["schema"] == "proxguard-permissions/1"
    assert len(out["permissions"]["entries"]) == len(out["subjects"]) * len(out["paths"])
    html = out["html"]
    # tokens come right after their owner, with privsep said in words
    ids = [s["id"] for s in out["subjects"]]
    assert ids.index("bob@pve!agent") == ids.index("bob@pve") + 1
    assert ('token of bob@pve · privsep=1: its own roles, intersected with what bob@pve '
            'holds on the same path') in html
    assert "token of alice@pve · privsep=0: exactly the roles and privileges of alice@pve" in html
    # a cell: tier as text and class, details with the deciding lines file:line
    row, col = ids.index("bob@pve!agent"), out["paths"].index("/")
    n = f"{row}-{col}"
    assert (f'class="ax-cell t-read" data-cell="{n}" aria-controls="ax-detail" '
            'aria-expanded="false" aria-label="bob@pve!agent on /: read">read</button>') in html
    tpl = html.split(f'<template id="ax-t-{n}">', 1)[1].split("</template>", 1)[0]
    assert "etc/pve/user.cfg:31</span> <code>acl:1:/:bob@pve!agent:AgentRead:</code>" in tpl
    assert "etc/pve/user.cfg:20</span>" in tpl
    # the ignored lines are listed
    assert "etc/pve/user.cfg:32</span> ACL entry for token" in html


def test_hostile_ids_are_text() -> None:
    out = call("access", {"files": {"etc/pve/user.cfg": HOSTILE}})
    html = out["html"]
    assert '$(id)"' not in html and 'x$(id)&#34;\x1b[31m@pve!ci' in html  # quote escaped
    assert "<script" not in html
    text = render_permissions_text(out["permissions"], out["subjects"])
    assert "\x1b" not in text and "\\x1b[31m@pve!ci" in text
    # NUL and bidi override, as the UTF-8 bytes every output uses (\\x202e was ambiguous)
    assert printable("a\x00b\u202e") == "a\\x00b\\xe2\\x80\\xae"


def test_errors_the_page_can_show() -> None:
    none = call("access", {"files": {"etc/ssh/sshd_config": "PermitRootLogin no\n"}})
    assert "user.cfg" in none["error"]
    bad = call("access", {"files": {"etc/pve/user.cfg": LAB.read_text(encoding="utf-8")},
                          "subjects": "alice@pve"})
    assert bad["error"] == "`subjects` must be a list of strings"


def test_report_access_targets_link_to_the_access_tab() -> None:
    from proxguard.render.html import render_fragment

    out = call("audit", {"files": {"etc/pve/user.cfg": LAB.read_text(encoding="utf-8")}})
    html = out["html"]
    assert ('<button type="button" class="pg-access-link" data-access-subject="root@pam!full" '
            'aria-label="Permissions of root@pam!full in the Access tab">Permissions</button>'
            ) in html
    # only access findings' user/token targets get one; the static report none
    assert html.count("pg-access-link") == sum(
        1 for f in out["report"]["findings"] if f["category"] in ("auth", "api")
        for t in f["targets"] if t["id"].startswith(("user/", "token/")))
    assert "pg-access-link" not in render_fragment(out["report"], interactive=False)
