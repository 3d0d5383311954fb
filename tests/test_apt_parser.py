"""APT sources parser: both formats, file:line diagnostics, and a property test that any
text yields entries or line-numbered warnings, never a crash or an unbounded result."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import APT_SOURCES, canonical_path, detect_kind, kind_from_path
from proxguard.parsers.apt import MAX_EXPANSION, parse


def test_one_line_entries_with_options_and_comments() -> None:
    d = Diagnostics()
    text = ("# c\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://deb.debian.org/debian bookworm main  # x\n"
            "deb-src http://deb.debian.org/debian bookworm main\n")
    es = parse("etc/apt/sources.list", text, d)
    assert [(e.line, e.type, e.uri, e.suite, e.components) for e in es] == [
        (2, "deb", "http://deb.debian.org/debian", "bookworm", ("main",)),
        (3, "deb-src", "http://deb.debian.org/debian", "bookworm", ("main",))]
    assert not list(d)


def test_bad_one_line_entries_are_warnings_with_their_line() -> None:
    d = Diagnostics()
    text = "deb http://x/debian\nrpm http://x\ndeb [arch=amd64 http://x/debian bookworm main\n" \
           "deb http://x/debian bookworm\n"
    assert parse("etc/apt/sources.list.d/a.list", text, d) == []
    assert sorted((x.file, x.line) for x in d) == [("etc/apt/sources.list.d/a.list", n)
                                                    for n in (1, 2, 3, 4)]


def test_deb822_expands_stanzas_and_honours_enabled() -> None:
    d = Diagnostics()
    text = ("Types: deb deb-src\nURIs: http://a/debian\n  http://b/debian\n"
            "Suites: trixie trixie-updates\nComponents: main\n\n"
            "# off\nTypes: deb\nURIs: http://a/debian-security\nSuites: trixie-security\n"
            "Components: main\nEnabled: no\n\nTypes: deb\nSuites: x\n")
    es = parse("etc/apt/sources.list.d/debian.sources", text, d)
    assert len(es) == 2 * 2 * 2 + 1
    assert {e.line for e in es} == {1, 8}
    assert [e.enabled for e in es if e.line == 8] == [False]
    assert [(x.line, "URIs" in x.message) for x in d] == [(14, True)]


def test_deb822_expansion_is_bounded() -> None:
    d = Diagnostics()
    uris = " ".join(f"http://m{i}/debian" for i in range(MAX_EXPANSION + 1))
    text = f"Types: deb\nURIs: {uris}\nSuites: trixie\nComponents: main\n"
    assert parse("etc/apt/sources.list.d/x.sources", text, d) == []
    assert [x.level for x in d] == ["error"]


def test_kind_by_path_content_and_loose_name() -> None:
    assert kind_from_path("etc/apt/sources.list") == APT_SOURCES
    assert kind_from_path("etc/apt/sources.list.d/pve.sources") == APT_SOURCES
    assert detect_kind("deb http://download.proxmox.com/debian/pve bookworm pvetest\n") \
        == APT_SOURCES
    assert detect_kind("Types: deb\nURIs: http://deb.debian.org/debian\n") == APT_SOURCES
    assert canonical_path("pve.sources", APT_SOURCES) == "etc/apt/sources.list.d/pve.sources"
    assert canonical_path("sources.list", APT_SOURCES) == "etc/apt/sources.list"
    assert canonical_path("$(x).list", APT_SOURCES) == "etc/apt/sources.list"


_LINE = st.one_of(
    st.text(max_size=40),
    st.builds(lambda t, u, s, c: f"{t} {u} {s} {c}",
              st.sampled_from(["deb", "deb-src", "Types:", "URIs:", " ", "#deb"]),
              st.sampled_from(["http://deb.debian.org/debian", "[arch=amd64]", "", "\t"]),
              st.text(max_size=10), st.text(max_size=10)))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=30), st.sampled_from([".list", ".sources"]))
def test_any_text_gives_entries_or_located_warnings(lines: list[str], ext: str) -> None:
    d = Diagnostics()
    path = f"etc/apt/sources.list.d/x{ext}"
    text = "\n".join(lines)
    es = parse(path, text, d)
    n_lines = text.count("\n") + 1
    for e in es:
        assert e.file == path and 1 <= e.line <= n_lines
        assert e.type in ("deb", "deb-src") and e.uri and e.suite
    for x in d:
        assert x.file == path and 0 <= x.line <= n_lines
