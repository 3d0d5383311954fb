"""`free -b` parser: the Mem row's total, located warnings, and a property test that any
text gives a model or an error, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import FREE_B, canonical_path, detect_kind, kind_from_path
from proxguard.parsers.free_b import parse

FREE = ("               total        used        free      shared  buff/cache   available\n"
        "Mem:     16608083968  9034567680  1234567168    52322304  6338949120  7573516288\n"
        "Swap:     8589930496           0  8589930496\n")


def test_mem_row_total_and_available() -> None:
    d = Diagnostics()
    mem = parse("commands/free-b.txt", FREE, d)
    assert mem is not None and (mem.line, mem.total, mem.available) == (2, 16608083968,
                                                                        7573516288)
    assert not list(d)


def test_not_free_output_is_an_error_and_no_model() -> None:
    d = Diagnostics()
    assert parse("commands/free-b.txt", "free: command not found\n", d) is None
    assert [(x.line, x.level) for x in d] == [(1, "warning"), (0, "error")]


def test_kind_by_path_and_content() -> None:
    assert kind_from_path("commands/free-b.txt") == FREE_B
    assert detect_kind(FREE) == FREE_B
    assert canonical_path("free.out", FREE_B) == "commands/free-b.txt"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30),
                          st.builds(lambda a, b: f"{a}: {b}",
                                    st.sampled_from(["Mem", "Swap", "Total", "mem"]),
                                    st.text(alphabet="0123456789 \t", max_size=40))),
                max_size=12))
def test_any_text_gives_a_model_or_an_error(lines: list[str]) -> None:
    d = Diagnostics()
    text = "\n".join(lines)
    mem = parse("commands/free-b.txt", text, d)
    if mem is None:
        assert any(x.level == "error" for x in d)
    else:
        assert mem.total > 0 and 1 <= mem.line <= len(lines)
