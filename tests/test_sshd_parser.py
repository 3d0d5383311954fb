"""sshd_config parsing: every trap of formats.md §6, with exact expected values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import Snapshot
from proxguard.model.sshd import SshdConfig
from proxguard.model.sshd_match import Connection
from proxguard.parsers.sshd import load
from proxguard.parsers.sshd_lex import argv_split, strdelim

MAIN = "etc/ssh/sshd_config"
DEB_HEAD = "Include /etc/ssh/sshd_config.d/*.conf\n"


def cfg_of(files: dict[str, str], **kw: object) -> tuple[SshdConfig, Diagnostics]:
    d = Diagnostics()
    c = load(Snapshot.from_texts(files), d, **kw)  # type: ignore[arg-type]
    assert c is not None
    return c, d


def eff(files: dict[str, str], key: str) -> tuple[str, str | None, int]:
    c, _ = cfg_of(files)
    s = c.effective(key)
    return s.value, s.file, s.line


def errors(d: Diagnostics) -> list[tuple[str, int]]:
    return [(x.file, x.line) for x in d if x.level == "error"]


def test_no_inputs_gives_none() -> None:
    assert load(Snapshot.from_texts({"etc/pve/user.cfg": "user:root@pam:1:0::::::\n"}),
                Diagnostics()) is None


def test_first_value_wins_in_one_file() -> None:
    assert eff({MAIN: "PermitRootLogin no\nPermitRootLogin yes\n"}, "PermitRootLogin") == \
        ("no", MAIN, 1)


def test_dropin_overrides_main_file_through_leading_include() -> None:
    files = {MAIN: DEB_HEAD + "PermitRootLogin yes\n",
             "etc/ssh/sshd_config.d/10-pve.conf": "PermitRootLogin prohibit-password\n"}
    assert eff(files, "PermitRootLogin") == \
        ("prohibit-password", "etc/ssh/sshd_config.d/10-pve.conf", 1)


def test_include_at_the_end_loses_to_main_file() -> None:
    files = {MAIN: "PermitRootLogin yes\n" + DEB_HEAD,
             "etc/ssh/sshd_config.d/10-pve.conf": "PermitRootLogin no\n"}
    assert eff(files, "PermitRootLogin") == ("yes", MAIN, 1)


def test_include_glob_lexical_order_and_relative_path() -> None:
    files = {MAIN: "Include sshd_config.d/*.conf\n",
             "etc/ssh/sshd_config.d/20-b.conf": "MaxAuthTries 5\n",
             "etc/ssh/sshd_config.d/10-a.conf": "MaxAuthTries 3\n",
             "etc/ssh/sshd_config.d/05-x.txt": "MaxAuthTries 9\n"}
    assert eff(files, "MaxAuthTries") == ("3", "etc/ssh/sshd_config.d/10-a.conf", 1)


def test_include_multiple_paths_in_order() -> None:
    files = {MAIN: "Include /etc/ssh/b.conf /etc/ssh/a.conf\n",
             "etc/ssh/a.conf": "Port 1000\n", "etc/ssh/b.conf": "Port 2000\n"}
    c, _ = cfg_of(files)
    assert [p for p, _ in c.ports()] == [2000, 1000]


def test_key_equals_value_forms_tabs_and_case() -> None:
    for text in ("PermitRootLogin=no", "PermitRootLogin = no", "permitrootlogin\tNO",
                 "PERMITROOTLOGIN  =\tNo", "\t  PermitRootLogin no  \t", "=PermitRootLogin no"):
        assert eff({MAIN: text + "\n"}, "PermitRootLogin")[0] == "no", text


def test_quotes_and_escapes() -> None:
    assert argv_split('"a b" c\\ d \'e"f\' g\\\\h') == ["a b", "c d", 'e"f', "g\\h"]
    assert argv_split('"open') is None
    assert strdelim('"Port" 22') == ("Port", "22")
    assert eff({MAIN: 'PermitRootLogin "no"\n'}, "PermitRootLogin")[0] == "no"


def test_hash_at_token_start_ends_line_but_not_inside() -> None:
    assert eff({MAIN: "PermitRootLogin no # yes\n"}, "PermitRootLogin")[0] == "no"
    _c, d = cfg_of({MAIN: "PermitRootLogin no#x\n"})
    assert errors(d) == [(MAIN, 1)]  # "no#x" is one token and not a valid value


def test_crlf_is_harmless() -> None:
    files = {MAIN: "Include /etc/ssh/sshd_config.d/*.conf\r\nPort 2222\r\nPermitRootLogin no\r\n",
             "etc/ssh/sshd_config.d/a.conf": "MaxAuthTries 3\r\n"}
    c, d = cfg_of(files)
    assert (c.effective("PermitRootLogin").value, c.effective("MaxAuthTries").value) == ("no", "3")
    assert [p for p, _ in c.ports()] == [2222]
    assert list(d) == []


def test_challenge_response_is_an_alias() -> None:
    files = {MAIN: "ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\n"}
    assert eff(files, "KbdInteractiveAuthentication") == ("no", MAIN, 1)


def test_without_password_normalised() -> None:
    assert eff({MAIN: "PermitRootLogin without-password\n"}, "PermitRootLogin")[0] == \
        "prohibit-password"


def test_defaults_marked() -> None:
    c, _ = cfg_of({MAIN: "# nothing\n"})
    s = c.effective("PasswordAuthentication")
    assert (s.value, s.file, s.line, s.default) == ("yes", None, 0, True)
    assert [p for p, _ in c.ports()] == [22]


def test_match_block_ends_at_next_match_and_global_is_untouched() -> None:
    text = ("PasswordAuthentication no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n"
            "Match User bob,!alice\n  MaxAuthTries 2\n")
    c, d = cfg_of({MAIN: text})
    assert list(d) == []
    assert c.effective("PasswordAuthentication").value == "no"
    assert c.effective_for("PasswordAuthentication", Connection(addr="10.1.2.3")).line == 3
    assert c.effective_for("PasswordAuthentication", Connection(addr="192.168.1.1")).line == 1
    assert c.effective_for("MaxAuthTries", Connection(user="bob")).value == "2"
    assert c.effective_for("MaxAuthTries", Connection(user="alice")).value == "6"
    assert [(b.text, s.line) for b, s in c.conditional_overrides("PasswordAuthentication")] == \
        [("Match Address 10.0.0.0/8", 3)]


def test_first_matching_block_wins() -> None:
    text = "Match User root\n MaxAuthTries 2\nMatch Address 10.0.0.0/8\n MaxAuthTries 9\n"
    c, _ = cfg_of({MAIN: text})
    assert c.effective_for("MaxAuthTries", Connection(user="root", addr="10.0.0.1")).value == "2"
    assert c.effective_for("MaxAuthTries", Connection(user="x", addr="10.0.0.1")).value == "9"


def test_match_all_overrides_global_for_every_connection() -> None:
    # sshd -T (verified on 9.2p1): the Match pass re-applies `Match All` over start-up values
    text = "PasswordAuthentication no\nMatch All\nPasswordAuthentication yes\nPort 2200\n"
    c, d = cfg_of({MAIN: text})
    assert list(d) == []
    assert c.effective("PasswordAuthentication").line == 3
    assert [p for p, _ in c.ports()] == [2200]


def test_keyword_not_allowed_in_match_is_an_error() -> None:
    c, d = cfg_of({MAIN: "Match User bob\n  Port 2222\n  UsePAM no\n"})
    assert errors(d) == [(MAIN, 2), (MAIN, 3)]
    assert c.refused
    assert [p for p, _ in c.ports()] == [22]


def test_include_inside_match_is_conditional_and_restores_state() -> None:
    files = {MAIN: "Match User bob\nInclude /etc/ssh/m.conf\nPasswordAuthentication yes\n"
                   "Match All\nMaxAuthTries 3\n",
             "etc/ssh/m.conf": "MaxAuthTries 2\nMatch Address 10.0.0.0/8\nPermitRootLogin yes\n"}
    c, d = cfg_of(files)
    assert list(d) == []
    assert c.effective("MaxAuthTries").value == "3"
    assert c.effective_for("MaxAuthTries", Connection(user="bob")).value == "2"
    # after the include returns, the including Match User bob is still in force
    assert c.effective_for("PasswordAuthentication", Connection(user="bob")).line == 3
    assert c.effective("PasswordAuthentication").default
    # a Match inside the included file is ANDed with the including block
    assert c.effective_for("PermitRootLogin", Connection(user="eve", addr="10.0.0.1")).default
    assert c.effective_for("PermitRootLogin", Connection(user="bob", addr="10.0.0.1")).value == "yes"


def test_match_inside_included_file_ends_at_its_end() -> None:
    files = {MAIN: DEB_HEAD + "PasswordAuthentication no\n",
             "etc/ssh/sshd_config.d/a.conf": "Match User bob\nX11Forwarding yes\n"}
    c, d = cfg_of(files)
    assert list(d) == []
    assert c.effective("PasswordAuthentication") .line == 2


def test_nested_include_depth_limit() -> None:
    files = {MAIN: "Include /etc/ssh/loop.conf\n", "etc/ssh/loop.conf": "Include /etc/ssh/loop.conf\n"}
    c, d = cfg_of(files)
    assert errors(d) == [("etc/ssh/loop.conf", 1)]
    deep = {MAIN: "Include /etc/ssh/d1.conf\n"}
    for i in range(1, 16):
        deep[f"etc/ssh/d{i}.conf"] = f"Include /etc/ssh/d{i + 1}.conf\n"
    deep["etc/ssh/d16.conf"] = "MaxAuthTries 2\n"
    c, d = cfg_of(deep)
    assert (list(d), c.effective("MaxAuthTries").value) == ([], "2")


def test_missing_include_target_marks_incomplete_but_glob_miss_does_not() -> None:
    c, d = cfg_of({MAIN: DEB_HEAD})
    assert (c.complete, list(d)) == (True, [])
    c, d = cfg_of({MAIN: "Include /etc/ssh/extra.conf\n"})
    assert (c.complete, c.missing_includes) == (False, ["/etc/ssh/extra.conf"])
    assert [(x.level, x.line) for x in d] == [("info", 1)]


def test_errors_unknown_missing_argument_bad_values() -> None:
    text = ("Foo bar\nPermitRootLogin\nPermitRootLogin maybe\nMaxAuthTries x\nPort 0\n"
            "Banner \"open\nMatch Nope x\nMatch All User x\nPort 22 23\nPasswordAuthentication no\n")
    c, d = cfg_of({MAIN: text})
    assert errors(d) == [(MAIN, n) for n in range(1, 10)]
    assert c.effective("PasswordAuthentication").line == 10


def test_accumulating_ports_and_listenaddress() -> None:
    c, _ = cfg_of({MAIN: "Port 22\nPort 2222\n"})
    assert [p for p, _ in c.ports()] == [22, 2222]
    c, _ = cfg_of({MAIN: "Port 2222\nListenAddress 10.0.0.1:22\nListenAddress 10.0.0.2\n"})
    assert [p for p, _ in c.ports()] == [22, 2222]
    c, _ = cfg_of({MAIN: "ListenAddress [::1]:2200\n"})
    assert [p for p, _ in c.ports()] == [2200]


def test_sshd_t_is_authoritative_with_config_evidence() -> None:
    files = {MAIN: "PermitRootLogin yes\nMaxAuthTries 3\n",
             "commands/sshd-T.txt": "port 22\npermitrootlogin without-password\n"
                                    "maxauthtries 3\npasswordauthentication yes\n"}
    c, _d = cfg_of(files)
    assert c.source == "both"
    prl = c.effective("PermitRootLogin")
    assert (prl.value, prl.file, prl.line) == ("prohibit-password", "commands/sshd-T.txt", 2)
    mat = c.effective("MaxAuthTries")
    assert (mat.value, mat.file, mat.line) == ("3", MAIN, 2)


def test_sshd_t_alone() -> None:
    c, _ = cfg_of({"commands/sshd-T.txt": "port 2222\nlistenaddress 0.0.0.0:2222\n"
                   "kbdinteractiveauthentication no\n"})
    assert c.source == "sshd-T"
    assert [p for p, _ in c.ports()] == [2222]
    assert c.effective("KbdInteractiveAuthentication").value == "no"


def test_version_from_pveversion_and_10_0_keywords() -> None:
    files = {MAIN: "RefuseConnection no\n", "commands/pveversion.txt": "pve-manager/9.0.3/abc\n"}
    c, d = cfg_of(files)
    assert (c.version, errors(d)) == ((10, 0), [])
    c, d = cfg_of({MAIN: "RefuseConnection no\n"})
    assert (c.version, errors(d)) == ((9, 2), [(MAIN, 1)])


# -- properties ------------------------------------------------------------------------

VALID = (DEB_HEAD + "Port 2222\nPermitRootLogin yes\nPasswordAuthentication no\nMaxAuthTries 3\n"
         "AcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
         "Match Address 10.0.0.0/8,!10.1.0.0/16 User root\n  PasswordAuthentication yes\n")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_random_text(text: str) -> None:
    c, d = cfg_of({MAIN: text, "etc/ssh/sshd_config.d/a.conf": text})
    lines = text.split("\n")
    for x in d:
        assert x.file in (MAIN, "etc/ssh/sshd_config.d/a.conf")
        assert 0 <= x.line <= len(lines)
    c.effective("PermitRootLogin")
    c.ports()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.sampled_from(
    ["\r", "=", '"', "'", "\\", "#", " ", "\t", "Match ", "Include x", "\n", "All", "yes"])),
    max_size=8))
def test_never_raises_on_mutated_valid_config(edits: list[tuple[int, str]]) -> None:
    text = VALID
    for pos, ins in edits:
        pos = min(pos, len(text))
        text = text[:pos] + ins + text[pos:]
    c, d = cfg_of({MAIN: text})
    for x in d:
        assert 1 <= x.line <= len(text.split("\n"))
    c.effective_for("PasswordAuthentication", Connection(user="root", addr="10.0.0.1"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["PermitRootLogin", "PasswordAuthentication", "MaxAuthTries", "Port"]),
       st.sampled_from(["yes", "no", "7", "prohibit-password", "22"]),
       st.sampled_from([" ", "=", " = ", "\t"]), st.booleans())
def test_appending_a_duplicate_never_changes_the_effective_value(
        key: str, value: str, sep: str, upper: bool) -> None:
    """A later line for a keyword already set globally changes nothing (first value
    wins), whatever its spelling, unless the keyword accumulates (Port)."""
    before, _ = cfg_of({MAIN: VALID})
    line = f"{key.upper() if upper else key}{sep}{value}\n"
    after, _ = cfg_of({MAIN: VALID.replace("Match", line + "Match", 1)})
    if key == "Port":
        assert next(p for p, _ in after.ports()) == 2222
    else:
        b, a = before.effective(key), after.effective(key)
        assert (a.value, a.file, a.line) == (b.value, b.file, b.line)


# -- found by the differential test against /usr/sbin/sshd (tests/test_sshd_oracle.py) --

def test_authentication_methods_any_after_a_list_is_refused() -> None:
    # servconf.c: `any` is fatal once a start-up line has set a list (seed 27)
    _c, d = cfg_of({MAIN: "AuthenticationMethods publickey\nAuthenticationMethods any\n"})
    assert errors(d) == [(MAIN, 2)]
    _, d = cfg_of({MAIN: "AuthenticationMethods publickey any\n"})
    assert errors(d) == [(MAIN, 1)]
    _, d = cfg_of({MAIN: "AuthenticationMethods publickey,nosuch\n"})
    assert errors(d) == [(MAIN, 1)]


def test_authentication_methods_that_cannot_be_satisfied_are_refused() -> None:
    # sshd.c: no list completes with the enabled methods → sshd exits (seeds 2, 3)
    _, d = cfg_of({MAIN: "PasswordAuthentication no\nAuthenticationMethods publickey,password\n"})
    assert errors(d) == [(MAIN, 2)]
    _, d = cfg_of({MAIN: "PasswordAuthentication no\n"
                         "AuthenticationMethods publickey,password publickey\n"})
    assert errors(d) == []


def test_any_after_a_matching_block_drops_that_connection_only() -> None:
    # the per-connection pass re-checks `any` (seeds 69, 686): start-up is fine
    c, d = cfg_of({MAIN: "Match Address 10.0.0.*\nAuthenticationMethods publickey\n"
                         "Match All\nAuthenticationMethods any\n"})
    assert errors(d) == []
    assert [s.line for s in c.connection_errors(Connection(addr="10.0.0.5"))] == [4]
    assert c.connection_errors(Connection(addr="192.168.1.1")) == []


def test_lowercase_included_file_is_config_not_sshd_T_output() -> None:
    # content detection calls a lower-case file `sshd -T` output; only commands/ counts (seed 396)
    files = {MAIN: "Match User bob\nInclude /etc/ssh/extra.conf\n",
             "etc/ssh/extra.conf": "pubkeyauthentication = no\nmaxauthtries =+4\n"}
    c, _ = cfg_of(files)
    assert (c.source, c.effective("PubkeyAuthentication").default) == ("config", True)
    assert c.effective_for("MaxAuthTries", Connection(user="bob")).value == "4"
