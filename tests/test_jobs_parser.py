"""jobs.cfg parser: printed backup jobs read back exactly; a bad value is dropped with its
file and line; any text never crashes and every diagnostic points at a line of the file;
the kind is told by name and by content."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import JOBS_CFG, detect_kind, kind_from_path
from proxguard.parsers.jobs import PATH, parse

_ID = st.from_regex(r"backup-[a-z0-9]{1,12}", fullmatch=True)
_JOB = st.fixed_dictionaries({
    "all": st.booleans(), "enabled": st.booleans(),
    "vmid": st.lists(st.integers(100, 999_999_999), max_size=4),
    "exclude": st.lists(st.integers(100, 999_999_999), max_size=3),
})


def _print(jobs: dict[str, dict[str, object]]) -> str:
    out = []
    for jid, j in jobs.items():
        out += [f"vzdump: {jid}", "\tschedule 21:00", f"\tall {int(bool(j['all']))}",
                f"\tenabled {int(bool(j['enabled']))}", "\tstorage local"]
        if j["vmid"]:
            out.append("\tvmid " + ",".join(map(str, j["vmid"])))  # type: ignore[call-overload]
        if j["exclude"]:
            out.append("\texclude " + ",".join(map(str, j["exclude"])))  # type: ignore[call-overload]
        out.append("")
    return "\n".join(out)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_ID, _JOB, max_size=5))
def test_printed_jobs_read_back(jobs: dict[str, dict[str, object]]) -> None:
    diags = Diagnostics()
    conf = parse(PATH, _print(jobs), diags)
    assert [d for d in diags if d.level != "warning" or "selects no guest" not in d.message] == []
    assert list(conf.backups) == list(jobs)
    for jid, j in jobs.items():
        got = conf.backups[jid]
        assert (got.all, got.enabled, got.vmids, got.excluded) == (
            j["all"], j["enabled"], frozenset(j["vmid"]), frozenset(j["exclude"]))  # type: ignore[arg-type]


def test_a_bad_value_is_dropped_with_its_line() -> None:
    diags = Diagnostics()
    text = ("vzdump: backup-a\n\tschedule 21:00\n\tenabled yes\n\tvmid 101,$(id)\n"
            "\tmailnotification never\n\tall 1\n")
    conf = parse(PATH, text, diags)
    job = conf.backups["backup-a"]
    assert job.enabled and job.all and job.vmids == frozenset()
    assert sorted((d.file, d.line) for d in diags) == [(PATH, 3), (PATH, 4), (PATH, 5)]


def test_a_hostile_job_id_is_skipped() -> None:
    diags = Diagnostics()
    conf = parse(PATH, "vzdump: $(reboot)\n\tall 1\n\nvzdump: ok-1\n\tvmid 100\n", diags)
    assert list(conf.backups) == ["ok-1"]
    assert [(d.file, d.line) for d in diags] == [(PATH, 1)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*"ab:# \n\t\r$'\"()1,", "vzdump", "all", "vmid", "enabled"]),
                max_size=120).map("".join))
def test_any_text_is_safe(text: str) -> None:
    diags = Diagnostics()
    parse(PATH, text, diags)
    lines = text.count("\n") + 1
    assert all(d.file == PATH and 0 <= d.line <= lines for d in diags)


def test_kind_by_path_and_content() -> None:
    assert kind_from_path("etc/pve/jobs.cfg") == JOBS_CFG
    assert detect_kind(_print({"backup-1": {"all": True, "enabled": True, "vmid": [],
                                            "exclude": []}})) == JOBS_CFG
    assert detect_kind("dir: local\n\tpath /var/lib/vz\n\tcontent backup\n") != JOBS_CFG
