"""A static check of shell templates: where may a `{{ … }}` stand?

The shell environment quotes every value as one shell word. That is only safe where bash
reads a word: in code, or on a comment line (the quoting keeps it on one line). Inside a
"…" string, a '…' string, a $'…' string or a here-document, a quoted word is not a word
(`"x '$(id)'"` runs `id`), so a template must assign the value to a variable first and use
"$VAR". `| comment` (unquoted text) is only allowed on comment lines, `| verbatim` only as
a whole line of code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


def _states(text: str) -> list[tuple[int, str]]:
    """(offset, shell state) at each `{{`: code, comment, dq, sq, ansi or heredoc."""
    out: list[tuple[int, str]] = []
    stack = ["code"]
    depth: list[int] = []  # open parentheses of each $( … ) inside double quotes
    heredoc: str | None = None
    i, n, line_start = 0, len(text), True
    while i < n:
        m = _JINJA.match(text, i)
        if m:
            if m.group(0).startswith("{{"):
                out.append((i, "heredoc" if heredoc else stack[-1]))
                line_start = False
            i = m.end()  # a {% … %} tag leaves the line start where it was
            continue
        ch = text[i]
        state = stack[-1]
        if heredoc is not None:
            if line_start and text[i:].split("\n", 1)[0].strip() == heredoc:
                heredoc = None
        elif state == "comment":
            if ch == "\n":
                stack.pop()
        elif state == "sq":
            if ch == "'":
                stack.pop()
        elif state == "ansi":
            if ch == "\\":
                i += 1
            elif ch == "'":
                stack.pop()
        elif state == "dq":
            if ch == "\\":
                i += 1
            elif ch == '"':
                stack.pop()
            elif text.startswith("$(", i):
                stack.append("code")
                depth.append(1)
                i += 1
        else:  # code
            prev = text[i - 1] if i else "\n"
            if ch == "#" and (prev in " \t\n;|&(" or line_start):
                stack.append("comment")
            elif text.startswith("$'", i):
                stack.append("ansi")
                i += 1
            elif ch == "'":
                stack.append("sq")
            elif ch == '"':
                stack.append("dq")
            elif ch == "\\":
                i += 1
            elif text.startswith("<<", i) and not text.startswith("<<<", i):
                word = re.match(r"<<-?\s*['\"]?(\w+)", text[i:])
                if word:
                    heredoc = word.group(1)
            elif depth and ch == "(":
                depth[-1] += 1
            elif depth and ch == ")":
                depth[-1] -= 1
                if depth[-1] == 0:
                    depth.pop()
                    stack.pop()
        line_start = ch == "\n"
        i += 1
    return out


def lint(text: str) -> list[Problem]:
    problems = []
    for offset, state in _states(text):
        expr = _JINJA.match(text, offset)
        assert expr is not None
        tag = expr.group(0)
        line = text.count("\n", 0, offset) + 1
        if state in ("dq", "sq", "ansi", "heredoc"):
            problems.append(Problem(line, f"{tag} inside a {state} string: assign it to a "
                                          "variable and use \"$VAR\""))
        elif re.search(r"\|\s*comment\b", tag) and state != "comment":
            problems.append(Problem(line, f"{tag}: `comment` leaves a value unquoted; only "
                                          "on a comment line"))
        elif re.search(r"\|\s*verbatim\b", tag) and state != "code":
            problems.append(Problem(line, f"{tag}: `verbatim` only in code"))
    return problems
