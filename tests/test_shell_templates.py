"""The shell template environment (proxguard/remediation/shellenv.py) and the template files.

Every value is quoted by default and reads back as exactly itself; quoted values are one
printable line (so a comment cannot be broken out of); raw insertion takes the explicit
`verbatim` filter and only accepts text the environment produced; no template puts a
value where a quoted word is not a word; every rule's template is a file next to its
module and ships in the wheel; no Python module writes bash any more.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "remediation"))

from tplint import lint

from proxguard.remediation.scripts import RemediationError, render_rule
from proxguard.remediation.shellenv import ShellQuoteError, ShellSafe, comment, quote, render_source
from proxguard.rule import Remediation, Rule, Severity, Status, TargetResult, Tuning
from proxguard.rules import ALL_RULES

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = sorted([*REPO.glob("rules/*/*.sh.j2"), *REPO.glob("proxguard/**/*.sh.j2")])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=30)


def _bash_reads(words: list[str]) -> list[str]:
    script = "for a in " + " ".join(words) + "; do printf '%s\\0' \"$a\"; done\n"
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout
    return [w.decode("utf-8", "surrogateescape") for w in out.split(b"\0")[:-1]]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=8))
def test_a_quoted_value_reads_back_as_itself_on_one_printable_line(values: list[str]) -> None:
    words = [quote(v) for v in values]
    assert _bash_reads(words) == values
    for w in words:
        assert "\n" not in w and all(c.isprintable() for c in w), w


@given(value=TEXT)
def test_a_comment_value_is_one_printable_line(value: str) -> None:
    out = comment(value)
    assert isinstance(out, ShellSafe)
    assert all(c.isprintable() for c in out) and "\u2028" not in out


def test_quoting_forms() -> None:
    assert quote("root@pam") == "root@pam"
    assert quote("a b") == "'a b'"
    assert quote("x=$(id)'q") == "'x=$(id)'\"'\"'q'"  # as shlex.quote
    assert quote("a\nb") == "$'a\\x0ab'"
    assert quote("\x1b[31m") == "$'\\x1b[31m'"
    assert quote("back\\slash") == "$'back\\\\slash'"
    assert quote("“x”") == "$'“x”'"
    assert quote("") == "''"
    with pytest.raises(ShellQuoteError):
        quote("a\x00b")


def test_values_are_quoted_by_default_and_raw_insertion_is_explicit() -> None:
    src = "#!/usr/bin/env bash\necho {{ v }}\n# {{ v }}\n"
    out = render_source(src, v="$(touch x)\nid")
    assert out == "#!/usr/bin/env bash\necho $'$(touch x)\\x0aid'\n# $'$(touch x)\\x0aid'\n"
    with pytest.raises(TypeError):
        render_source("{{ v | verbatim }}", v="echo plain str")
    inner = render_source("echo {{ v }}\n", v="a b")
    assert render_source("{{ v | verbatim }}", v=inner) == "echo 'a b'\n"


def _rule(template: str) -> Rule:
    return Rule(id="x", title="x", category="storage", references=(), inputs=(), rationale="",
                docs="", remediation=Remediation("fix", template), check=lambda h, p: [],
                profiles={"extended": Tuning(Severity.HIGH)})


def test_a_value_no_argument_can_carry_is_refused_not_rendered() -> None:
    result = TargetResult("storage/x", Status.FAIL, "bad", facts={"v": "a\x00b"})
    with pytest.raises(RemediationError, match="NUL"):
        render_rule(_rule("echo {{ facts.v }}\n"), result)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_template_puts_a_value_where_a_quoted_word_is_not_a_word(path: Path) -> None:
    assert [str(p) for p in lint(path.read_text(encoding="utf-8"))] == []


def test_the_template_lint_fires_on_the_real_offenders() -> None:
    bad = ['echo "Current definition of {{ facts.rule_id }}:"',
           "grep -Eiq '^[[:space:]]*{{ facts.keyword }}([[:space:]]|=)'",
           'FILE="$ROOT/{{ facts.file_path }}"', "cat <<EOF\n{{ x }}\nEOF",
           "echo {{ x | comment }}", "x=$'{{ y }}'"]
    good = ["echo {{ x }}", "# {{ x | comment }}", "# Undo: pveum {{ x }}",
            'A="$(printf %s {{ x }})"', "FILE=\"$ROOT\"/{{ p }}", "{% if a %}# {{ x | comment }}"]
    assert [b for b in bad if not lint(b)] == []
    assert [(g, lint(g)) for g in good if lint(g)] == []


def test_every_rule_template_is_a_file_next_to_its_module() -> None:
    for rule in ALL_RULES:
        name = rule.remediation.template
        module = sys.modules[rule.check.__module__].__file__
        assert module is not None
        expected = f"{Path(module).parent.name}/{Path(module).stem}.sh.j2"
        assert name == expected, rule.id
        assert (REPO / "rules" / name).is_file(), name


def test_no_python_module_writes_bash() -> None:
    """Remediation scripts come from .sh.j2 files only; among the modules that produce
    them, shlex is used in one place, the environment."""
    offenders = []
    for path in [*REPO.glob("proxguard/**/*.py"), *REPO.glob("rules/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(REPO).as_posix()
        if re.search(r"#!/usr/bin/env bash|^set -eu$|\$\{PROXGUARD_ROOT|\bpg_would\b", text, re.M):
            offenders.append(f"{rel}: bash text")
        # the script producers: rules, the remediation package, the report and web layers
        # (inputs/sources.py generates the collector's own block from the repo's list, and
        # cli/explain.py shows a command line as text: neither is a remediation script)
        producer = rel.startswith(("rules/", "proxguard/remediation/", "proxguard/render/",
                                   "proxguard/engine/", "proxguard/web/"))
        if producer and "shlex" in text and rel != "proxguard/remediation/shellenv.py":
            offenders.append(f"{rel}: quotes by hand (shlex)")
    assert offenders == []


def test_the_templates_ship_in_the_wheel() -> None:
    sys.path.insert(0, str(REPO))
    from sitebuild.wheels import proxguard_files

    shipped = set(proxguard_files(REPO))
    for path in TEMPLATES:
        rel = path.relative_to(REPO).as_posix()
        wheel_path = "proxguard/" + rel if rel.startswith("rules/") else rel
        assert wheel_path in shipped, wheel_path
