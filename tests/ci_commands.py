"""Checks the shell steps of CI definitions (ours in .github/workflows/, the examples in
docs/ci.md) against this repository: every `proxguard …` call must parse with the real
argparse parser, spelling each option in full; every `python3 build.py …` likewise with
build.py's parser; every `bash scripts/….sh` must exist. Used by tests/test_ci_workflows.py.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_EXPR = re.compile(r"\$\{\{.*?\}\}")
_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;"}
_WRAPPERS = {"exec", "time", "env", "sudo", "!", "then", "else", "do", "if", "while"}


def proxguard_parser() -> argparse.ArgumentParser:
    from proxguard.cli.commands import _parser

    return _parser()


def build_parser() -> argparse.ArgumentParser:
    # By path: a PyPI package named `build` may be installed and would win an import.
    if str(ROOT) not in sys.path:  # build.py imports sitebuild/ from the repo root
        sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("proxguard_build_cli", ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.make_parser()  # type: ignore[no-any-return]


def option_strings(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """Every option spelling of `parser` and of the subcommand chosen by argv[0]."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction) and argv and argv[0] in action.choices:
            found |= option_strings(action.choices[argv[0]], argv[1:])
    return found


def commands(script: str) -> Iterator[list[str]]:
    """Simple commands of a shell snippet, each as its words (expressions such as
    ${{ matrix.x }} become one word; continuation lines are joined)."""
    script = _EXPR.sub("EXPR", script).replace("\\\n", " ")
    for line in script.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            words = list(lexer)
        except ValueError:  # an unterminated quote spanning lines: check word by word
            words = line.split()
        current: list[str] = []
        for word in [*words, ";"]:
            if word in _SEPARATORS:
                if current:
                    yield current
                current = []
            elif current or (word not in _WRAPPERS and not re.fullmatch(r"\w+=.*", word)):
                current.append(word)


def problems(argv: list[str]) -> list[str]:
    """What is wrong with one command of a CI step (empty when it is fine or foreign)."""
    if argv[:3] in (["python3", "-m", "proxguard"], ["python", "-m", "proxguard"]):
        return _check(proxguard_parser(), argv[3:], "proxguard")
    if argv[0] == "proxguard":
        return _check(proxguard_parser(), argv[1:], "proxguard")
    if argv[0] in ("python3", "python") and argv[1:2] == ["build.py"]:
        return _check(build_parser(), argv[2:], "build.py")
    if argv[0] in ("bash", "sh") and len(argv) > 1 and argv[1].startswith(("scripts/", ".ci/")):
        if not (ROOT / argv[1]).is_file():
            return [f"{argv[1]}: no such script in the repository"]
        if argv[1] == "scripts/release.sh":  # passes its arguments to build.py --release
            return _check(build_parser(), ["--release", *argv[2:]], "scripts/release.sh")
    return []


def _check(parser: argparse.ArgumentParser, args: list[str], name: str) -> list[str]:
    known = option_strings(parser, args)
    out = [f"{name}: unknown option {a.split('=', 1)[0]}" for a in args
           if a.startswith("-") and a != "-" and a.split("=", 1)[0] not in known]
    if out:
        return out
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(args)
        except SystemExit as exc:
            if exc.code:
                out.append(f"{name} {' '.join(args)}: {err.getvalue().strip().splitlines()[-1]}")
    return out


def shell_steps(doc: Any) -> Iterator[tuple[str, str]]:
    """(where, script) of every GitHub `run:` and GitLab `script:`/`before_script:` entry."""
    if not isinstance(doc, dict):
        return
    for job_name, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            if isinstance(step, dict) and "run" in step:
                yield f"jobs.{job_name}.steps[{i}]", str(step["run"])
    for key, job in doc.items():
        if not isinstance(job, dict) or key == "jobs":
            continue
        for part in ("before_script", "script", "after_script"):
            lines = job.get(part)
            if isinstance(lines, str):
                lines = [lines]
            for i, line in enumerate(lines or []):
                yield f"{key}.{part}[{i}]", str(line)
