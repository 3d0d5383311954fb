"""no-token-expiry: API tokens that never expire."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.rule import (
    Params,
    Reference,
    Remediation,
    Rule,
    Severity,
    TargetResult,
    Tuning,
    failed,
    passed,
)
from proxguard.rules.access._common import judged_tokens, token_facts, where


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    ac = host.access
    out = []
    for t in judged_tokens(ac, incumbent_format=bool(params.get("incumbent_format"))):
        tid = t.id  # a property building the id each time: once per token
        if params.get("skip_unusable") and not ac.can_authenticate(tid, host.now)[0]:
            continue  # AC verify_token rejects it; API-103 reports such leftovers
        target = f"token/{tid}"
        ref = where(t.file, t.line)
        if t.expire:
            out.append(passed(target, f"token {tid} expires at {t.expire} ({ref})",
                              t.file, t.line, **token_facts(t)))
            continue
        evidence = f"token {tid} has expire=0: it never expires ({ref})"
        owner = ac.users.get(t.user)
        if owner is not None and owner.expire:
            evidence += (f"; only the expiry of its user {t.user} ({owner.expire}) "
                         "would end it")
        out.append(failed(target, evidence, t.file, t.line, **token_facts(t)))
    return out


DOCS = """\
**What is checked.** The `expire` field of every API token (`token:<user>@<realm>!<id>:
<expire>:…` in `/etc/pve/user.cfg`, or the `expire` column of `pveum user token list`).

**How the verdict is decided.** `expire` 0 (or empty) means the token never expires and
fails; any other value passes. **extended** skips tokens that can no longer
authenticate — the token is already expired, or its user is disabled or expired
(pve-access-control `verify_token`). **compat** judges every token, including lines in
the incumbent's non-Proxmox form `token:<user>:<id>:…`.

**Why.** A forgotten token with no end date stays valid for as long as it exists; an
expiry date forces rotation (the hardening guide suggests 365 days at most).
"""

RULE = Rule(
    id="no-token-expiry",
    title="API tokens without an expiry date",
    category="api",
    references=(
        Reference("Incumbent", "PVE-API-002",
                  "API tokens without expiration (the incumbent auditor's rule id, not a Proxmox "
                  "control)"),
        Reference("PHG", "2.2.4", "Set token expiry and rotate"),
    ),
    inputs=("access",),
    rationale="Tokens without an end date stay valid forever once forgotten or leaked.",
    docs=DOCS,
    remediation=Remediation(
        summary="Give the token an expiry (`pveum user token modify <user> <token> "
                "--expire <epoch>`) and rotate it before that date.",
        template="access/no_token_expiry.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"incumbent_format": True, "skip_unusable": False}),
        "extended": Tuning(Severity.MEDIUM, {"incumbent_format": False, "skip_unusable": True}),
    },
)
