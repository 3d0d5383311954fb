"""`proxguard explain RULE SNAPSHOT`: the rule's targets in that snapshot, and for an
access finding the effective permissions of every subject it names.

"alice@pve holds escalation privileges" is the start of the operator's question, not
the end: the next one is "what else can alice do, and which line gives it". So an
access rule's explanation carries the permission rows of the users and tokens its
targets name, with the command that shows the full matrix.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from proxguard.cli.common import load_inputs
from proxguard.engine.audit import audit
from proxguard.engine.permissions import permission_view
from proxguard.inputs import USER_CFG
from proxguard.model.permission_matrix import ACCESS_CATEGORIES, subjects_named
from proxguard.render.permissions import render_permissions_text
from proxguard.rule import Rule
from proxguard.text import printable


def explain_targets(rule: Rule, paths: Sequence[str], now: int | None) -> None:
    snap = load_inputs(paths)
    profile = "extended" if "extended" in rule.profiles else sorted(rule.profiles)[0]
    report = audit(snap, profile=profile, now=now)
    finding = next(f for f in report.findings if f.rule.id == rule.id)
    print()
    print(f"In {' '.join(paths)} ({profile} profile): {finding.status.value}")
    if finding.missing_inputs:
        print(f"  not assessed: needs {', '.join(finding.missing_inputs)}")
    for t in finding.targets:
        r = t.result
        where = f" ({r.file}:{r.line})" if r.file else ""
        print(printable(f"  {t.status.value:<8} {r.id}{where}: {r.evidence}"))
    if rule.category not in ACCESS_CATEGORIES:
        return
    subjects = subjects_named([t.result.id for t in finding.targets
                               if t.status.value != "pass"] or
                              [t.result.id for t in finding.targets])
    if not subjects or not snap.of_kind(USER_CFG):
        return
    view = permission_view(snap, subjects, now=now)
    cmd = ["proxguard", "permissions", *paths]
    for s in subjects:
        cmd += ["--subject", s]
    print()
    print(printable(f"Permissions of the subjects it names ({shlex.join(cmd)}), paths "
                    "where they hold something:"))
    data = view.to_json()
    data["entries"] = [e for e in data["entries"] if e["privileges"]]  # type: ignore[index]
    print(render_permissions_text(data, [s.to_json() for s in view.subjects]).rstrip("\n"))
