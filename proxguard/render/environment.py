"""The one Jinja2 environment for every HTML template (report page and fragment, Firewall
tab, history comparison) and the filters they share.

Autoescaping is on for every template whatever its suffix: evidence, rule text, labels
and ids are copied from user-supplied configs or imported history, and a config line
holding `<script>` must arrive as text. StrictUndefined turns a template asking for a
value the view model lacks into an error instead of an empty cell.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parent / "templates"


def inline_code(text: object) -> Markup:
    """Remediation summaries mark commands with `backticks`; show them as code, escaping
    every piece so nothing in the text can become markup."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: show the text as written
        return Markup(escape(str(text)))
    out = [escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
           for i, p in enumerate(parts)]
    return Markup("").join(out)


def where(item: dict[str, Any]) -> str:
    """file:line as an operator would type it into an editor; line 0 is the whole file
    (a missing key taking its default)."""
    file = item.get("file") or ""
    line = item.get("line") or 0
    if not file:
        return "(input)" if not line else f"line {line}"
    return f"{file}:{line}" if line else f"{file} (whole file)"


def packet_text(p: dict[str, Any]) -> str:
    """A JSON packet as one line, the way `proxguard firewall --packet` takes it."""
    def host(ip: str) -> str:
        return f"[{ip}]" if ":" in ip else ip
    via = f" iface {p['iface']}" if p.get("iface") else ""
    if "dport" in p:
        return f"{p['proto']} {host(p['src'])}:{p['sport']} -> {host(p['dst'])}:{p['dport']}{via}"
    if "icmp_type" in p:
        return f"{p['proto']} {p['src']} -> {p['dst']} type {p['icmp_type']}{via}"
    return f"{p['proto']} {p['src']} -> {p['dst']}{via}"


@functools.cache
def html_environment() -> jinja2.Environment:
    """Built once per process, on first use (the templates compile lazily)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # The templates are package data that never change while the process runs. With
        # the default (True) every use stats the file, and a heap restored from the web
        # page's start-up snapshot, whose files were unpacked again with new times,
        # would recompile every template on first use (issue 14).
        auto_reload=False,
    )
    env.filters["inline_code"] = inline_code
    env.filters["where"] = where
    env.filters["packet"] = packet_text
    return env


def compile_all() -> int:
    """Compile every HTML template into the environment's cache; the number compiled.

    The web build calls this before taking the start-up memory snapshot, so the restored
    engine renders its first report without compiling a template (issue 14)."""
    env = html_environment()
    names = [n for n in env.list_templates() if n.endswith(".j2")]
    for name in names:
        env.get_template(name)
    return len(names)
