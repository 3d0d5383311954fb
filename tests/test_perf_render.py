"""The shell environment's per-render shortcuts (issue 14) answer as plain Jinja does:
a target's facts found as attributes, templates' globals as a plain dict, templates
kept without the LRU cache. Each test compares with a stock Jinja environment or
with the documented behaviour the shortcut must keep."""

from __future__ import annotations

import jinja2
import pytest

from proxguard.remediation.scripts import RemediationError, render_rule
from proxguard.remediation.shellenv import environment, quote
from proxguard.rule import Remediation, Rule, Severity, Tuning, failed

SOURCE = ("#!/usr/bin/env bash\n# {{ facts.name | comment }}\nA={{ facts.name }}\n"
          "B={{ facts.get('name') }}\nC={{ facts['items'] }}\n"
          "{% for e in facts.acls %}acl {{ e.path }} {{ e.role }}\n{% endfor %}"
          "{% for i in range(2) %}n={{ i }}\n{% endfor %}"
          "{% if facts.items is callable %}items-is-the-dict-method\n{% endif %}")


def _rule(template: str) -> Rule:
    return Rule(id="perf-render", title="t", category="api", references=(),
                inputs=("access",), rationale="r", docs="d",
                remediation=Remediation(summary="s", template=template),
                check=lambda host, params: [],
                profiles={"extended": Tuning(Severity.LOW, {})})


def _stock(source: str, **context: object) -> str:
    """The same template in a stock Jinja environment with the same filters."""
    env = jinja2.Environment(autoescape=False, finalize=quote, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(environment().filters)
    return env.from_string(source).render(**context)


@pytest.mark.parametrize("name", ["u1@pve", "$(reboot)'\"\nx", "items"])
def test_facts_render_as_a_plain_dict_does(name: str) -> None:
    facts = {"name": name, "items": "x y", "acls": [{"path": "/", "role": "PVEAdmin"}]}
    result = failed("user/u1@pve", "e", "etc/pve/user.cfg", 1, **facts)
    got = render_rule(_rule(SOURCE), result)
    assert got == _stock(SOURCE, facts=dict(result.facts), target=result, rule=None)
    assert "items-is-the-dict-method" in got and "n=1" in got


def test_a_missing_fact_still_fails() -> None:
    result = failed("user/u1@pve", "e", "etc/pve/user.cfg", 1, name="u1@pve")
    with pytest.raises(RemediationError, match="missing"):
        render_rule(_rule("X={{ facts.missing }}\n"), result)


def test_templates_keep_the_environment_globals() -> None:
    env = environment()
    tpl = env.get_template("access/no_token_expiry.sh.j2")
    assert type(tpl.globals) is dict and tpl.globals["range"] is range
    assert env.get_template("access/no_token_expiry.sh.j2") is tpl  # kept, not reloaded
