"""SectionConfig layout traps (formats.md §4.1, COM SectionConfig.pm parse_config)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.parsers import sectioncfg
from proxguard.parsers.propstring import parse_boolean, parse_property_string

F = "etc/pve/storage.cfg"


def _check_value(typ: str, key: str, raw: str | None) -> tuple[str | None, str | None]:
    if key == "flag":
        return sectioncfg.check_boolean(raw)
    if key == "bad":
        return None, "unexpected property 'bad'"
    return sectioncfg.check_string(raw)


def _check_id(typ: str, sid: str) -> str | None:
    return None if sid.isidentifier() else f"invalid id '{sid}'"


SCHEMA = sectioncfg.Schema(frozenset({"dir", "nfs"}), _check_value, _check_id)


def parse(text: str) -> tuple[dict[str, sectioncfg.Section], Diagnostics]:
    d = Diagnostics()
    return sectioncfg.parse(text, F, SCHEMA, d), d


def props(sec: sectioncfg.Section) -> dict[str, tuple[str, int]]:
    return {k: (p.value, p.line) for k, p in sec.props.items()}


def test_basic_sections_with_tabs_and_spaces() -> None:
    secs, d = parse("dir: local\n\tpath /var/lib/vz\n\nnfs: nas\n    path /mnt/pve/nas\n"
                    "    flag\n")
    assert list(secs) == ["local", "nas"]
    assert props(secs["local"]) == {"path": ("/var/lib/vz", 2)}
    assert props(secs["nas"]) == {"path": ("/mnt/pve/nas", 5), "flag": ("1", 6)}
    assert secs["nas"].line == 4 and secs["nas"].type == "nfs"
    assert list(d) == []


def test_type_is_lowercased_and_header_must_start_in_column_0() -> None:
    secs, d = parse("DIR: a\n\tpath /x\n\n dir: b\n\tpath /y\n")
    assert list(secs) == ["a"]
    assert secs["a"].type == "dir"
    assert [(x.line, x.level) for x in d] == [(4, "warning"), (5, "warning")]


def test_whitespace_only_line_does_not_end_section() -> None:
    secs, d = parse("dir: a\n\tpath /x\n   \n\tcontent iso\n")
    assert props(secs["a"]) == {"path": ("/x", 2), "content": ("iso", 4)}
    assert [(x.line, x.level) for x in d] == [(3, "warning")]
    assert "whitespace-only" in d[0].message


def test_comments_anywhere_do_not_end_section() -> None:
    secs, d = parse("# head\ndir: a\n# inside\n\tpath /x\n  # indented\n\tcontent iso\n")
    assert props(secs["a"]) == {"path": ("/x", 4), "content": ("iso", 6)}
    assert list(d) == []


def test_duplicate_key_is_error_and_first_kept() -> None:
    secs, d = parse("dir: a\n\tpath /first\n\tpath /second\n")
    assert props(secs["a"]) == {"path": ("/first", 2)}
    assert [(x.line, x.level) for x in d] == [(3, "error")]


def test_invalid_first_value_does_not_block_a_later_valid_one() -> None:
    secs, d = parse("dir: a\n\tflag yes\n\tflag 0\n")
    assert props(secs["a"]) == {"flag": ("0", 3)}
    assert [(x.line, x.level) for x in d] == [(2, "warning")]


def test_duplicate_section_later_replaces_and_moves() -> None:
    secs, d = parse("dir: a\n\tpath /1\n\ndir: b\n\tpath /2\n\nnfs: a\n\tpath /3\n")
    assert list(secs) == ["b", "a"]
    assert secs["a"].type == "nfs" and props(secs["a"]) == {"path": ("/3", 8)}
    assert [(x.line, x.level) for x in d] == [(7, "warning")]


def test_crlf_swallows_following_sections() -> None:
    text = "dir: a\r\n\tpath /x\r\n\r\nnfs: b\r\n\tpath /y\r\n"
    secs, d = parse(text)
    # `\r` trimmed from values; the `\r`-only line does not end section a, so the nfs
    # header and its property are "ignored config lines" of section a.
    assert list(secs) == ["a"]
    assert props(secs["a"]) == {"path": ("/x", 2)}
    assert [x.line for x in d] == [3, 4, 5]
    assert "swallowed" in d[1].message


def test_unknown_type_and_bad_id_skip_whole_section() -> None:
    secs, d = parse("zzz: a\n\tpath /x\n\ndir: 9bad\n\tpath /y\n\ndir: ok\n\tpath /z\n")
    assert list(secs) == ["ok"]
    assert [(x.line, x.level) for x in d] == [(1, "warning"), (4, "warning")]
    assert "unsupported type 'zzz'" in d[0].message


def test_unknown_key_dropped_section_kept() -> None:
    secs, d = parse("dir: a\n\tbad 1\n\tpath /x\n")
    assert props(secs["a"]) == {"path": ("/x", 3)}
    assert [(x.line, x.level) for x in d] == [(2, "warning")]


def test_perl_zero_line_ends_section() -> None:
    secs, d = parse("dir: a\n\tpath /x\n0\n\tcontent iso\n")
    assert props(secs["a"]) == {"path": ("/x", 2)}
    assert [x.line for x in d] == [4]


def test_stray_line_outside_section_and_no_trailing_newline() -> None:
    secs, d = parse("junk here\n\n\tpath /orphan\ndir: a\n\tpath /x")
    assert props(secs["a"]) == {"path": ("/x", 5)}
    assert [x.line for x in d] == [1, 3]


def test_section_line_of_absent_key_is_zero() -> None:
    secs, _ = parse("dir: a\n\tpath /x\n")
    assert secs["a"].line_of("path") == 2 and secs["a"].line_of("content") == 0
    assert secs["a"].get("content", "dflt") == "dflt"


def test_property_string() -> None:
    p = parse_property_string("nesting=1,keyctl=on,mount=nfs;cifs,,nesting=0")
    assert p.values == {"nesting": "1", "keyctl": "on", "mount": "nfs;cifs"}
    assert p.problems == ["duplicate key 'nesting' (first value kept)"]
    assert p.flag("keyctl") is True and p.flag("mount") is None and p.flag("fuse") is None
    q = parse_property_string("virtio=AA:BB,bridge=vmbr0,=x,lone", default_key=None)
    assert q.values == {"virtio": "AA:BB", "bridge": "vmbr0"}
    assert len(q.problems) == 2
    r = parse_property_string("local-lvm:vm-1-disk-0,size=8G", default_key="volume")
    assert r.values == {"volume": "local-lvm:vm-1-disk-0", "size": "8G"}


def test_parse_boolean_spellings() -> None:
    assert [parse_boolean(x) for x in ("1", "ON", "yes", "True", "0", "off", "No", "FALSE",
                                       "2", "")] == [True] * 4 + [False] * 4 + [None, None]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("dirnfs:ab 01#\t\r\n=,xy")), max_size=300))
def test_never_raises_on_random_text(text: str) -> None:
    secs, d = parse(text)
    for sec in secs.values():
        assert sec.type in ("dir", "nfs")
        for p in sec.props.values():
            assert 1 <= p.line <= text.count("\n") + 1
    for x in d:
        assert 0 <= x.line <= text.count("\n") + 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_property_string_never_raises(text: str) -> None:
    p = parse_property_string(text, default_key="volume")
    assert all("," not in k for k in p.values)
