"""pveum listings: JSON, Unicode/ASCII tables, --noborder, user list --full, merging
with user.cfg; and the never-raises property of both access parsers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.parsers import tokens, usercfg

LIST = "commands/pveum-user-token-list/joe@pve"


def table(rows: list[tuple[str, str, int, int]], style: str) -> str:
    """Renders like COM CLIFormatter print_text_table (expire right-aligned)."""
    cols = ["tokenid", "comment", "expire", "privsep"]
    cells = [[r[0], r[1], str(r[2]), str(r[3])] for r in rows]
    w = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]

    def fmt(vals: list[str], sep: str, last: str, first: str) -> str:
        parts = [v.rjust(w[i]) if cols[i] == "expire" else v.ljust(w[i]) for i, v in enumerate(vals)]
        return first + sep.join(parts) + last

    if style == "noborder":
        parts = [(v.rjust(w[i]) if cols[i] == "expire" else v.ljust(w[i])) for i, v in enumerate(cols)]
        out = [" ".join([*parts[:-1], cols[-1]])]
        for r in cells:
            p = [(v.rjust(w[i]) if cols[i] == "expire" else v.ljust(w[i])) for i, v in enumerate(r)]
            out.append(" ".join([*p[:-1], r[-1]]))
        return "\n".join(out) + "\n"
    if style == "utf8":
        bar = "│"
        top = "┌" + "┬".join("─" * (x + 2) for x in w) + "┐"
        head = "╞" + "╪".join("═" * (x + 2) for x in w) + "╡"
        mid = "├" + "┼".join("─" * (x + 2) for x in w) + "┤"
        bot = "└" + "┴".join("─" * (x + 2) for x in w) + "┘"
    else:
        bar = "|"
        top = mid = bot = "+" + "+".join("-" * (x + 2) for x in w) + "+"
        head = "+" + "+".join("=" * (x + 2) for x in w) + "+"
    lines = [top, fmt(cols, f" {bar} ", f" {bar}", f"{bar} "), head]
    for i, r in enumerate(cells):
        if i:
            lines.append(mid)
        lines.append(fmt(r, f" {bar} ", f" {bar}", f"{bar} "))
    lines.append(bot)
    return "\n".join(lines) + "\n"


ROWS = [("backup", "nightly │ to | pbs", 0, 1), ("ci", "", 1798761600, 0)]
WANT = [("joe@pve", "backup", 0, True, "nightly │ to | pbs"), ("joe@pve", "ci", 1798761600, False, "")]


def read(path: str, text: str) -> tuple[list[tuple[str, str, int, bool, str]], Diagnostics]:
    d = Diagnostics()
    snap = Snapshot.from_texts({path: text})
    got = tokens.read_token_list(snap.files[path], d)
    return [(t.user, t.name, t.expire, t.privsep, t.comment) for t in got], d


def test_utf8_ascii_and_noborder_tables() -> None:
    for style in ("utf8", "ascii"):
        got, d = read(LIST + ".txt", table(ROWS, style))
        assert (got, list(d)) == (WANT, [])
    got, d = read(LIST + ".txt", table([("backup", "nightly to pbs", 0, 1),
                                        ("ci", "", 1798761600, 0)], "noborder"))
    assert got == [(*WANT[0][:4], "nightly to pbs"), WANT[1]]


def test_line_numbers_point_at_rows() -> None:
    d = Diagnostics()
    snap = Snapshot.from_texts({LIST + ".txt": table(ROWS, "utf8")})
    got = tokens.read_token_list(snap.files[LIST + ".txt"], d)
    assert [t.line for t in got] == [4, 6]


def test_json_and_pretty_json_privsep_default() -> None:
    got, d = read(LIST + ".json", '[{"comment":"x","expire":0,"privsep":0,"tokenid":"ci"},'
                  '{"expire":5,"tokenid":"mon"}]\n')
    assert list(d) == []
    assert got == [("joe@pve", "ci", 0, False, "x"), ("joe@pve", "mon", 5, True, "")]
    got, _ = read(LIST + ".json", '[\n   {\n      "expire" : 0,\n      "privsep" : 1,\n'
                  '      "tokenid" : "ci"\n   }\n]\n')
    assert got == [("joe@pve", "ci", 0, True, "")]


def test_bad_inputs_are_diagnosed() -> None:
    assert read(LIST + ".json", "[{broken")[0] == []
    assert read(LIST + ".json", "---\n- tokenid: a\n")[1][0].message.startswith("YAML output")
    got, d = read("commands/pveum-user-token-list/nobody.json", "[]")
    assert got == [] and "file name must be the user id" in d[0].message
    got, d = read(LIST + ".json", '[{"tokenid":"x"},{"tokenid":"ok","expire":"soon"}]')
    assert got == [] and [x.message for x in d] == [
        "token entry without a valid tokenid ('x'); ignored",
        "token 'ok': expire/privsep are not integers; ignored"]


def test_listing_only_snapshot_builds_tokens_without_acls() -> None:
    d = Diagnostics()
    ac = usercfg.load(Snapshot.from_texts({LIST + ".json": '[{"expire":0,"privsep":0,"tokenid":"ci"}]'}), d)
    assert list(ac.tokens) == ["joe@pve!ci"]
    assert (ac.user_source, ac.acl_source) == (None, None)
    assert ac.can_authenticate("joe@pve!ci", 10) == (True, "")


def test_user_list_full_json() -> None:
    text = ('[{"enable":1,"expire":0,"keys":"x","tokens":[{"expire":0,"privsep":1,'
            '"tokenid":"mon"}],"userid":"ann@pve"},{"enable":0,"expire":0,"userid":"root@pam"}]')
    ac = usercfg.load(Snapshot.from_texts({"commands/pveum-user-list.json": text}), Diagnostics())
    assert ac.user_source == "commands/pveum-user-list.json" and ac.acl_source is None
    assert (ac.users["ann@pve"].keys, ac.users["root@pam"].enable) == ("x", False)
    assert list(ac.tokens) == ["ann@pve!mon"]


def test_user_cfg_is_authoritative_and_disagreements_are_info() -> None:
    d = Diagnostics()
    ac = usercfg.load(Snapshot.from_texts({
        "etc/pve/user.cfg": "user:joe@pve:1:0::::::\ntoken:joe@pve!ci:0:0:\ntoken:joe@pve!old:0:1:\n",
        LIST + ".json": '[{"expire":99,"privsep":1,"tokenid":"ci"},{"expire":0,"privsep":1,"tokenid":"new"}]'}), d)
    assert (ac.tokens["joe@pve!ci"].expire, sorted(ac.tokens)) == (0, ["joe@pve!ci", "joe@pve!old"])
    assert [(x.level, x.line, x.message) for x in d] == [
        ("info", 0, "token joe@pve!ci: listing says expire=99 privsep=1, user.cfg line 2 says "
         "expire=0 privsep=0; user.cfg is used"),
        ("info", 0, "token joe@pve!new is listed but not in user.cfg; user.cfg is used"),
        ("info", 3, "token joe@pve!old is in user.cfg but missing from the supplied listing "
         "of its user")]


# -- never raises -----------------------------------------------------------------------

VALID = ("user:root@pam:1:0:::root@example.com::x:\nuser:joe@pve:1:0:J%C3%B6e::j@x::x:\n"
         "token:joe@pve!ci:1798761600:1:CI%3Adeploy:\ngroup:ops:joe@pve,root@pam:Ops:\n"
         "pool:web::100,101:local:\nrole:Ops:VM.Audit,Sys.Audit:\n"
         "acl:1:/:@ops:PVEAuditor:\nacl:1:/vms:joe@pve!ci:Ops:\nacl:0:/pool/web:joe@pve:PVEVMAdmin:\n")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":!@/,; \t\r\n%#x01aZ._-│|+─═")), max_size=300))
def test_usercfg_never_raises_on_random_text(text: str) -> None:
    ac = usercfg.parse(text, "etc/pve/user.cfg", Diagnostics())
    for subject in list(ac.users) + list(ac.tokens):
        ac.explain(subject, "/vms/100")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 8), st.text(max_size=6)),
                max_size=5))
def test_usercfg_never_raises_on_mutations(edits: list[tuple[int, int, str]]) -> None:
    text = VALID
    for pos, cut, insert in edits:
        text = text[:pos] + insert + text[pos + cut:]
    d = Diagnostics()
    ac = usercfg.parse(text, "etc/pve/user.cfg", d)
    assert "root@pam" in ac.users
    assert all(x.file == "etc/pve/user.cfg" and x.line >= 1 for x in d)
    for subject in list(ac.users) + list(ac.tokens):
        ac.explain(subject, "/")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([".txt", ".json"]))
def test_listing_never_raises(text: str, ext: str) -> None:
    snap = Snapshot.from_texts({LIST + ext: text}, {LIST + ext: "token_list"})
    tokens.read_token_list(snap.files[LIST + ext], Diagnostics())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 4), st.text(max_size=4)), max_size=4))
def test_table_mutations_never_raise(edits: list[tuple[int, int, str]]) -> None:
    text = table(ROWS, "utf8")
    for pos, cut, insert in edits:
        text = text[:pos] + insert + text[pos + cut:]
    tokens.parse_table(text, LIST + ".txt", Diagnostics())


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(
                        st.sampled_from(["userid", "tokens", "enable", "expire", "keys",
                                         "tokenid", "privsep"]), c, max_size=5), max_leaves=12))
def test_user_list_never_raises_on_any_json(value: object) -> None:
    import json
    path = "commands/pveum-user-list.json"
    snap = Snapshot.from_texts({path: json.dumps([value, {"userid": "a@pve", "tokens": value}])})
    tokens.read_user_list(snap.files[path], Diagnostics())
