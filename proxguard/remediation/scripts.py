"""Renders a rule's remediation template for its failing targets, concretely.

Templates are files next to each rule module (`rules/<category>/<rule>.sh.j2`), rendered
by the shell environment of `proxguard.remediation.shellenv`, which quotes every value (the configs
they come from may be an attacker's). Templates get the real objects (`target`, `facts`),
never placeholders; StrictUndefined turns a template that asks for a fact the check did not
supply into a visible error instead of a script with a hole in it.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.shellenv import ShellQuoteError, ShellSafe, render, render_source
from proxguard.rule import Rule, TargetResult


class RemediationError(Exception):
    pass


class _Facts(dict[str, object]):
    """A target's facts for a template: `facts.userid` finds the item on the first try.
    Jinja's attribute lookup tries getattr() first and, on a plain dict, reaches the item
    only after an AttributeError, for every value of every one of ~36,000 target scripts
    of a large user.cfg. Same answers as the dict: a dict attribute (`facts.items`) still
    wins over an item of that name, and a missing name still fails (StrictUndefined)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def render_rule(rule: Rule, result: TargetResult) -> ShellSafe:
    """The script of `rule` for one target result ("" when the rule has no template)."""
    name = rule.remediation.template
    if not name:
        return ShellSafe("")
    context = {"target": result, "facts": _Facts(result.facts), "rule": rule}
    try:
        if name.endswith(".sh.j2") and "\n" not in name:
            return render(name, **context)
        return render_source(name, **context)
    except (jinja2.TemplateError, ShellQuoteError, TypeError) as exc:
        raise RemediationError(f"{rule.id} for {result.id}: {exc}") from exc


def render_target(finding: Finding, outcome: TargetOutcome) -> ShellSafe:
    return render_rule(finding.rule, outcome.result)


def render_template(name: str, target: object, facts: dict[str, object]) -> ShellSafe:
    """A template file that belongs to no rule (the fix plan's own steps), same
    environment, same quoting."""
    try:
        return render(name, target=target, facts=facts, rule=None)
    except (jinja2.TemplateError, ShellQuoteError, TypeError) as exc:
        raise RemediationError(f"plan step: {exc}") from exc


def render_finding(finding: Finding, targets: Sequence[TargetOutcome] | None = None
                   ) -> ShellSafe:
    """One script for the given targets (default: the unaccepted failing ones), the
    targets' scripts one after the other."""
    chosen = finding.failing if targets is None else list(targets)
    parts = [s for s in (render_target(finding, t) for t in chosen) if s.strip()]
    return render("finding_scripts.sh.j2", scripts=parts)
