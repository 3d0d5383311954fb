"""Our pipeline (.github/workflows/) and the CI examples in docs/ci.md: YAML that parses,
actions pinned by version, and shell steps naming only scripts, commands and options that
exist in this repository (checked with the real argparse parsers)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests import ci_commands
from tests.ci_commands import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
CI_DOC = ROOT / "docs/ci.md"
_FENCE = re.compile(r"^```(yaml|yml|sh|bash|console)\n(.*?)^```", re.M | re.S)
_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def _doc_blocks(kind: tuple[str, ...]) -> list[tuple[str, str]]:
    text = CI_DOC.read_text(encoding="utf-8")
    return [(f"docs/ci.md block {i}", m.group(2)) for i, m in enumerate(_FENCE.finditer(text))
            if m.group(1) in kind]


def _yaml_documents() -> list[tuple[str, Any]]:
    docs = [(p.relative_to(ROOT).as_posix(), yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in WORKFLOWS]
    docs += [(where, yaml.safe_load(body)) for where, body in _doc_blocks(("yaml", "yml"))]
    return docs


def _is_github(doc: Any) -> bool:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    return isinstance(doc, dict) and "jobs" in doc and ("on" in doc or True in doc)


def test_there_is_a_pipeline_and_ci_doc_has_both_kinds_of_example() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml"]
    docs = _yaml_documents()
    assert all(isinstance(d, dict) for _, d in docs)
    github = [w for w, d in docs if _is_github(d) and w.startswith("docs/")]
    gitlab = [w for w, d in docs if not _is_github(d)]
    assert github and gitlab


def test_pipeline_runs_the_readme_test_command_the_release_script_and_uploads() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "    bash scripts/test-all.sh\n" in readme
    doc = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    on = doc.get("on", doc.get(True))
    assert set(on) == {"push", "pull_request"} and on["push"]["tags"] == ["v*"]
    steps = doc["jobs"]["test-and-build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert runs.index("bash scripts/test-all.sh") < runs.index("bash scripts/release.sh --out dist")
    assert "sha256sum -c SHA256SUMS" in runs
    uploads = [s["with"]["path"] for s in steps if s.get("uses", "").startswith(
        "actions/upload-artifact@")]
    assert any("dist/site/" in u for u in uploads) and any("dist/proxguard.html" in u for u in uploads)
    assert all("dist/SHA256SUMS" in u for u in uploads)
    release = doc["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"}
    assert "pages" in doc["jobs"] and "vars.PROXGUARD_PAGES" in doc["jobs"]["pages"]["if"]


@pytest.mark.parametrize("where,doc", _yaml_documents(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_action_is_pinned_by_version(where: str, doc: Any) -> None:
    for job in (doc.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            if "uses" in step:
                assert _PINNED.match(step["uses"]), f"{where}: {step['uses']} is not pinned"


@pytest.mark.parametrize("where,doc", _yaml_documents(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_shell_step_names_real_scripts_commands_and_options(where: str, doc: Any) -> None:
    found = []
    seen_proxguard = False
    for step, script in ci_commands.shell_steps(doc):
        for argv in ci_commands.commands(script):
            seen_proxguard |= "proxguard" in argv[:3]
            found += [f"{where} {step}: {p}" for p in ci_commands.problems(argv)]
    assert found == []
    if where.startswith("docs/"):
        assert seen_proxguard, f"{where}: an example that never runs proxguard"


def test_shell_examples_in_the_ci_doc_use_real_options() -> None:
    found = []
    for where, body in _doc_blocks(("sh", "bash", "console")):
        for argv in ci_commands.commands(body.replace("$ ", "")):
            found += [f"{where}: {p}" for p in ci_commands.problems(argv)]
    assert found == []


@pytest.mark.parametrize("script,expected", [
    ("proxguard audit hosts/* --format sarif -o out.sarif", []),
    ("proxguard audit h/ --no-such-flag", ["proxguard: unknown option --no-such-flag"]),
    ("proxguard audit h/ --min B", ["proxguard: unknown option --min"]),  # no abbreviations
    ("proxguard audit h/ --format yaml", ["argument --format: invalid choice: 'yaml'"]),
    ("proxguard frobnicate x", ["argument command: invalid choice: 'frobnicate'"]),
    ("proxguard audit h/ --jobs two", ["argument --jobs: invalid int value: 'two'"]),
    ("proxguard", ["the following arguments are required: command"]),
    ("set -e; X=1 python3 -m proxguard rules --profile compat && bash scripts/nope.sh",
     ["scripts/nope.sh: no such script in the repository"]),
    ("bash scripts/release.sh --out dist --fast", ["scripts/release.sh: unknown option --fast"]),
    ("python3 build.py --sizes", []),
    ("echo --anything | grep proxguard", []),
])
def test_the_checker_catches_wrong_commands(script: str, expected: list[str]) -> None:
    got = [p for argv in ci_commands.commands(script) for p in ci_commands.problems(argv)]
    assert len(got) == len(expected), got
    for problem, fragment in zip(got, expected, strict=True):
        assert fragment in problem


def test_readme_cli_examples_use_real_commands_and_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.strip() for line in readme.splitlines()
             if line.startswith("    proxguard ") and "[" not in line]  # skip usage syntax
    assert len(lines) >= 10
    found = [p for line in lines for argv in ci_commands.commands(line)
             for p in ci_commands.problems(argv)]
    assert found == []
