"""corosync.conf parser: printed node lists read back exactly; any text never crashes and
every diagnostic points at a line of the file."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import COROSYNC_CONF, detect_kind, kind_from_path
from proxguard.parsers.corosync import parse

_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_IP = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


def _print(nodes: dict[str, list[str]]) -> str:
    out = ["logging {", "  to_syslog: yes", "}", "nodelist {"]
    for i, (name, addrs) in enumerate(nodes.items(), 1):
        out += ["  node {", f"    name: {name}", f"    nodeid: {i}"]
        out += [f"    ring{r}_addr: {a}" for r, a in enumerate(addrs)]
        out += ["  }"]
    out += ["}", "totem {", "  cluster_name: lab", "  interface {", "    linknumber: 0", "  }",
            "  secauth: on", "}"]
    return "\n".join(out) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_NAME, st.lists(_IP, min_size=1, max_size=3), max_size=5))
def test_printed_nodelist_reads_back(nodes: dict[str, list[str]]) -> None:
    diags = Diagnostics()
    conf = parse("etc/pve/corosync.conf", _print(nodes), diags)
    assert list(diags) == []
    assert {n: [a for _, (a, _line) in sorted(c.addresses.items())]
            for n, c in conf.nodes.items()} == nodes
    assert conf.totem["secauth"][0] == "on" and "linknumber" not in conf.totem


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*"ab{}:# \n\t\r$'\"()", "node", "nodelist", "ring0_addr"]),
                max_size=120).map("".join))
def test_any_text_is_safe(text: str) -> None:
    diags = Diagnostics()
    parse("etc/pve/corosync.conf", text, diags)
    lines = text.count("\n") + 1
    assert all(0 <= d.line <= lines for d in diags)


def test_kind_by_path_and_content() -> None:
    assert kind_from_path("etc/pve/corosync.conf") == COROSYNC_CONF
    assert detect_kind(_print({"pve1": ["10.0.0.1"]})) == COROSYNC_CONF
