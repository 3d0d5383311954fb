"""/etc/default/pveproxy: plain assignments read as bash would assign them, shell code
never run and marked unknown with its line, any text safe; the access decision is
AnyEvent.pm check_host_access's."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.model.pveproxy import networks
from proxguard.parsers.pveproxy import PATH, parse
from proxguard.rules.firewall.pveproxy_access import admitted

_NET = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(8, 32)).map(
    lambda t: f"10.{t[0]}.{t[1]}.0/{t[2]}")


@settings(max_examples=60, deadline=None)
@given(st.lists(_NET, min_size=1, max_size=5), st.sampled_from(['"{}"', "'{}'", "{}"]),
       st.sampled_from(["allow", "deny"]))
def test_printed_assignments_read_back(nets: list[str], quote: str, policy: str) -> None:
    value = ",".join(nets)
    text = f"# comment\nALLOW_FROM={quote.format(value)}\nexport ALLOW_FROM\nPOLICY={policy}\n"
    diags = Diagnostics()
    conf = parse(PATH, text, diags)
    assert list(diags) == []
    assert conf.values["ALLOW_FROM"] == (value, 2) and conf.get("POLICY") == policy


def test_shell_code_is_never_run_and_marks_the_key_unknown() -> None:
    diags = Diagnostics()
    conf = parse(PATH, 'DENY_FROM="all"\nALLOW_FROM="$(touch /tmp/x)"\nPOLICY=`id`\n', diags)
    assert conf.get("DENY_FROM") == "all"
    assert conf.opaque == {"ALLOW_FROM": 2, "POLICY": 3}
    assert [(d.file, d.line) for d in diags] == [(PATH, 2), (PATH, 3)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*"A=\"' $()#\n\t\r,/.:", "ALLOW_FROM", "POLICY", "export",
                                 "all", "10.0.0.0/8"]), max_size=120).map("".join))
def test_any_text_is_safe(text: str) -> None:
    diags = Diagnostics()
    conf = parse(PATH, text, diags)
    lines = text.count("\n") + 1
    assert all(d.file == PATH and 0 <= d.line <= lines for d in diags)
    networks(conf.get("ALLOW_FROM") or "")


def test_check_host_access_semantics() -> None:
    lan, _ = networks("192.168.1.0/24")
    every, _ = networks("all")
    inside, outside = ipaddress.ip_address("192.168.1.7"), ipaddress.ip_address("203.0.113.10")
    assert admitted([], [], "allow", outside)  # the default: everyone
    assert admitted(lan, every, "allow", inside) and not admitted(lan, every, "allow", outside)
    assert not admitted([], [], "deny", outside)
    assert admitted(every, every, "allow", outside)  # both match: POLICY decides
    assert networks("10.0.0.1-10.0.0.5") == ([ipaddress.ip_network("10.0.0.1/32"), ipaddress.ip_network("10.0.0.2/31"), ipaddress.ip_network("10.0.0.4/31")], [])
    assert networks("10.0.0.0/8,bogus")[1] == ["bogus"]
    assert networks("") == ([], [])
