"""`pct list` / `qm list` parsers: the real CLI formats (pve-container pct.pm and
qemu-server qm.pm `list`), located warnings for anything else, and property tests that
any text gives a listing and no line is lost silently."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import proxguard
from proxguard.diagnostics import Diagnostics
from proxguard.inputs import PCT_LIST, QM_LIST, canonical_path, detect_kind, kind_from_path
from proxguard.inputs.loose import kind_from_name
from proxguard.parsers.guest_list import CT_LOCKS, MAX_LINES, parse_pct, parse_qm

PCT_FMT = "%-10s %-10s %-12s %-20s\n"  # pct.pm: VMID Status Lock Name
QM_FMT = "%10s %-20s %-10s %-10s %12.2f %-10s\n"  # qm.pm: VMID NAME STATUS MEM BOOTDISK PID
QM_HEAD = f"{'VMID':>10} {'NAME':<20} {'STATUS':<10} {'MEM(MB)':<10} {'BOOTDISK(GB)':>12} {'PID':<10}\n"


def pct_text(rows: list[tuple[int, str, str, str]]) -> str:
    return PCT_FMT % ("VMID", "Status", "Lock", "Name") + "".join(PCT_FMT % r for r in rows)


def qm_text(rows: list[tuple[int, str, str, int, float, int]]) -> str:
    return QM_HEAD + "".join(QM_FMT % r for r in rows)


PCT = pct_text([(100, "running", "", "dns"), (104, "stopped", "backup", "pbs"),
                (110, "running", "snapshot-delete", "a-very-long-hostname-beyond-twenty")])
QM = qm_text([(200, "ha", "running", 4096, 32, 2301), (205, "VM 205", "stopped", 2048, 0, 0),
              (9000, "cloudinit-base", "stopped", 1024, 3.5, 0)])


def test_pct_list_rows_with_and_without_lock() -> None:
    d = Diagnostics()
    ls = parse_pct("commands/pct-list.txt", PCT, d)
    assert not list(d)
    assert [(r.vmid, r.status, r.lock, r.name, r.line, r.running) for r in ls.rows.values()] == [
        (100, "running", "", "dns", 2, True), (104, "stopped", "backup", "pbs", 3, False),
        (110, "running", "snapshot-delete", "a-very-long-hostname-beyond-twenty", 4, True)]


def test_qm_list_rows_name_with_a_blank_read_from_both_ends() -> None:
    d = Diagnostics()
    ls = parse_qm("commands/qm-list.txt", QM, d)
    assert not list(d)
    assert [(r.vmid, r.name, r.status, r.mem_mib, r.pid, r.line) for r in ls.rows.values()] == [
        (200, "ha", "running", 4096, 2301, 2), (205, "VM 205", "stopped", 2048, 0, 3),
        (9000, "cloudinit-base", "stopped", 1024, 0, 4)]


def test_qmp_states_that_hold_memory() -> None:
    ls = parse_qm("q", qm_text([(201, "p", "paused", 512, 1, 77),
                                (202, "s", "suspended", 512, 1, 78)]), Diagnostics())
    assert [r.running for r in ls.rows.values()] == [True, True]


def test_empty_output_is_a_node_without_guests_of_that_kind() -> None:
    d = Diagnostics()
    assert parse_pct("commands/pct-list.txt", "", d).rows == {}
    assert parse_qm("commands/qm-list.txt", "\n", d).rows == {}
    assert not list(d)


def test_an_empty_listing_is_graded_not_gated() -> None:
    snap = proxguard.load_snapshot([])
    snap.add("commands/pct-list.txt", "", PCT_LIST)
    snap.add("commands/qm-list.txt", QM, QM_LIST)
    report = proxguard.audit(snap).to_json()
    assert report["evidence"]["unrecognised"] == []
    assert {i["path"]: i["kind"] for i in report["inputs"]} == {
        "commands/pct-list.txt": "pct_list", "commands/qm-list.txt": "qm_list"}


def test_malformed_lines_are_warnings_with_file_and_line() -> None:
    d = Diagnostics()
    text = PCT + "abc running dns\n105 exploded dns\n106 running weird-lock dns\n" \
        "107 running backup x y\n100 stopped again\n"
    ls = parse_pct("commands/pct-list.txt", text, d)
    assert sorted(ls.rows) == [100, 104, 110] and ls.rows[100].status == "running"
    assert [(x.file, x.line, x.level) for x in d] == [
        ("commands/pct-list.txt", n, "warning") for n in (5, 6, 7, 8, 9)]
    assert "listed again (first on line 2)" in d[-1].message
    d = Diagnostics()
    parse_qm("commands/qm-list.txt", QM_HEAD + "200 ha running lots 32.00 1\n200 ha\n", d)
    assert [(x.line, x.level) for x in d] == [(2, "warning"), (3, "warning")]


def test_too_many_lines_is_an_error_and_the_rest_unread() -> None:
    d = Diagnostics()
    text = "".join(f"{100 + i} stopped ct{i}\n" for i in range(MAX_LINES + 5))
    ls = parse_pct("commands/pct-list.txt", text, d)
    assert len(ls.rows) == MAX_LINES
    assert [(x.line, x.level) for x in d] == [(MAX_LINES + 1, "error")]


def test_kind_by_path_content_and_loose_name() -> None:
    assert kind_from_path("commands/pct-list.txt") == PCT_LIST
    assert kind_from_path("commands/qm-list.txt") == QM_LIST
    assert detect_kind(PCT) == PCT_LIST and detect_kind(QM) == QM_LIST
    assert canonical_path("pve1-pct-list.txt", PCT_LIST) == "commands/pct-list.txt"
    assert canonical_path("x", QM_LIST) == "commands/qm-list.txt"
    assert kind_from_name("pve1-pct-list.txt") == PCT_LIST
    assert kind_from_name("qm_list.out") == QM_LIST and kind_from_name("pct.list") == PCT_LIST
    assert kind_from_name("npct-list") is None  # a word that merely contains it


def test_a_loose_listing_lands_at_its_host_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    loose = tmp_path / "listing-from-pve1.out"
    loose.write_text(QM)
    snap = proxguard.load_snapshot([loose])
    assert snap.files["commands/qm-list.txt"].kind == QM_LIST


# -- properties ------------------------------------------------------------------------

_WORD = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                min_size=1, max_size=12)
_LINE = st.one_of(
    st.text(st.characters(blacklist_characters="\n"), max_size=40),
    st.builds(lambda v, s, lk, n: f"{v} {s} {lk} {n}", st.integers(0, 10**10),
              st.sampled_from(["running", "stopped", "paused", "Running"]),
              st.sampled_from(["", "backup", "lock"]), _WORD),
    st.builds(lambda v, n, s, m, p: f"{v} {n} {s} {m} 1.00 {p}", st.integers(0, 10**10), _WORD,
              st.sampled_from(["running", "stopped", "x"]), st.sampled_from(["1", "2.5", "-1"]),
              st.sampled_from(["0", "12", "a"])))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=15), st.booleans())
def test_any_text_gives_a_listing_and_no_line_is_lost_silently(lines: list[str],
                                                              qm: bool) -> None:
    d = Diagnostics()
    text = "\n".join(lines)
    ls = (parse_qm if qm else parse_pct)("f.txt", text, d)
    warned = {x.line for x in d}
    kept = {r.line for r in ls.rows.values()}
    header = ("VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID" if qm else "VMID Status Lock Name")
    for n, line in enumerate(text.split("\n"), start=1):
        if line.split() and " ".join(line.split()) != header:
            assert (n in warned) != (n in kept), (n, line)
    assert all(x.file == "f.txt" and 1 <= x.line <= len(lines) for x in d)


_NAME = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
                              blacklist_characters="\x85\x1c\x1d\x1e\x1f"), min_size=1,
                max_size=30)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(100, 999_999_999),
                       st.tuples(st.sampled_from(["running", "stopped"]),
                                 st.sampled_from(["", *sorted(CT_LOCKS)]), _NAME), max_size=8))
def test_pct_list_round_trip(rows: dict[int, tuple[str, str, str]]) -> None:
    text = "" if not rows else pct_text([(v, s, lk, n) for v, (s, lk, n) in sorted(rows.items())])
    d = Diagnostics()
    ls = parse_pct("p", text, d)
    assert not list(d)
    assert {v: (r.status, r.lock, r.name) for v, r in ls.rows.items()} == rows


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(100, 999_999_999),
                       st.tuples(st.lists(_NAME, min_size=1, max_size=3).map(" ".join),
                                 st.sampled_from(["running", "stopped", "paused"]),
                                 st.integers(0, 10**7), st.integers(0, 10**6)), max_size=8))
def test_qm_list_round_trip(rows: dict[int, tuple[str, str, int, int]]) -> None:
    text = qm_text([(v, n, s, m, 32, p) for v, (n, s, m, p) in sorted(rows.items())])
    d = Diagnostics()
    ls = parse_qm("q", text, d)
    assert not list(d)
    assert {v: (r.name, r.status, r.mem_mib, r.pid) for v, r in ls.rows.items()} == rows
