"""high-max-auth-tries: sshd allows too many authentication attempts per connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import Setting, SshdConfig
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
from proxguard.rules.ssh._sshd import cite, conditional_failures, loc, notes


def weakness(get: Callable[[str], Setting], limit: int, fail_on_default: bool) -> str | None:
    s = get("MaxAuthTries")
    if s.default and not fail_on_default:
        return None
    if int(s.value) > limit:
        return f"{cite(s)}, more than {limit}"
    return None


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    cfg: SshdConfig = host.sshd
    limit = int(params["max"])
    on_default = bool(params.get("fail_on_default"))
    s = cfg.effective("MaxAuthTries")
    why = weakness(cfg.effective, limit, on_default)
    facts = {"keyword": "MaxAuthTries", "value": min(limit, 3)}
    out: list[TargetResult]
    if why is not None:
        out = [failed("host", f"too many authentication attempts per connection: {why}"
                      f"{notes(cfg)}", *loc(cfg, s), **facts)]
    else:
        out = [passed("host", f"{cite(s)}, at most {limit}" + (
            " is required, but an absent key is not judged in this profile"
            if s.default and int(s.value) > limit else "") + notes(cfg), *loc(cfg, s))]
    if params.get("match_blocks"):
        out += conditional_failures(cfg, ("MaxAuthTries",),
                                    lambda get: weakness(get, limit, True),
                                    lambda block, kw: facts)
    return out


DOCS = """\
**What is checked.** The effective `MaxAuthTries` (first value wins, drop-ins before the
main file on Debian; the default is 6; `sshd -T` output is authoritative when supplied).

**How the verdict is decided.** compat keeps the incumbent's threshold: `host` fails only
when a line sets a value above 6, so an absent key (6) passes. extended follows CIS
(Debian 12 5.1.16, "4 or less"): a value above 4 fails, and so does the absent key,
because the default 6 is above 4; each `Match` block that raises the limit above 4 for
some connections is an extra conditional failure `host/match/<file>:<line>`.

**Why.** Every attempt on one connection is a free guess; a low limit forces an attacker
to reconnect, which `MaxStartups` and per-source penalties then throttle, and it makes
failures visible in the log sooner.
"""

RULE = Rule(
    id="high-max-auth-tries",
    title="SSH MaxAuthTries too high",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.16", "Ensure sshd MaxAuthTries is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.18", "Ensure SSH MaxAuthTries is set to 4 or less"),
    ),
    inputs=("sshd",),
    rationale="Many attempts per connection make password and key guessing cheaper and "
              "noisier logs slower to trip.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `MaxAuthTries 3` (4 or less) in a drop-in sshd reads first.",
        template="ssh/high_max_auth_tries.sh.j2"),
    check=_check,
    profiles={
        "compat": Tuning(Severity.MEDIUM, {"max": 6, "fail_on_default": False,
                                           "match_blocks": False}),
        "extended": Tuning(Severity.MEDIUM, {"max": 4, "fail_on_default": True,
                                             "match_blocks": True}),
    },
)
