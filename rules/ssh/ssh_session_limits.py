"""ssh-session-limits: unauthenticated and idle sessions are not bounded, or sshd logs too little."""

from __future__ import annotations

from collections.abc import Sequence

from proxguard.model.host import Host
from proxguard.model.sshd import SshdConfig
from proxguard.rule import Params, Reference, Remediation, Rule, Severity, TargetResult, Tuning
from proxguard.rules.ssh._keywords import Get, KeywordCheck, Verdict, judge
from proxguard.rules.ssh._sshd import cite

GRACE_MAX = 60  # CIS Debian 12 5.1.13 / Debian 11 5.2.21: one minute or less
STARTUPS_MAX = (10, 30, 60)  # CIS 5.1.18 / 5.2.19: 10:30:60 or more restrictive
SESSIONS_MAX = 10  # CIS 5.1.17 / 5.2.20


def _grace(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("LoginGraceTime")
    secs = int(s.value) if s.value.isdigit() else 120
    if 0 < secs <= GRACE_MAX:
        return None
    what = "no limit" if secs == 0 else f"{secs} s"
    return Verdict(f"{cite(s)}: an unauthenticated connection may stay {what} "
                   f"(at most {GRACE_MAX} s)", s, Severity.LOW)


def _startups(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("MaxStartups")
    parts = s.value.split(":")
    try:
        start, rate, full = (int(p) for p in parts)
    except ValueError:
        return None
    if start <= STARTUPS_MAX[0] and rate <= STARTUPS_MAX[1] and full <= STARTUPS_MAX[2]:
        return None
    return Verdict(f"{cite(s)}: more unauthenticated connections are accepted than "
                   "10:30:60 (start:rate:full)", s, Severity.LOW)


def _sessions(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("MaxSessions")
    if not s.value.isdigit() or int(s.value) <= SESSIONS_MAX:
        return None
    return Verdict(f"{cite(s)}: more than {SESSIONS_MAX} sessions per connection", s,
                   Severity.LOW)


def _alive(get: Get, _cfg: SshdConfig) -> Verdict | None:
    interval, count = get("ClientAliveInterval"), get("ClientAliveCountMax")
    if interval.value == "0":
        return Verdict(f"{cite(interval)}: dead or abandoned sessions are never detected",
                       interval, Severity.LOW)
    if count.value == "0":
        return Verdict(f"{cite(count)}: a count of 0 turns the client-alive check off",
                       count, Severity.LOW)
    return None


def _loglevel(get: Get, _cfg: SshdConfig) -> Verdict | None:
    s = get("LogLevel")
    if s.value in ("info", "verbose"):
        return None
    why = ("loses authentication events" if s.value in ("quiet", "fatal", "error")
           else "may log sensitive data")
    return Verdict(f"{cite(s)}: {why} (INFO or VERBOSE expected)", s, Severity.LOW)


CHECKS = (
    KeywordCheck("LoginGraceTime", ("LoginGraceTime",), _grace,
                 lambda g, c: (f"LoginGraceTime {GRACE_MAX}",)),
    KeywordCheck("MaxStartups", ("MaxStartups",), _startups,
                 lambda g, c: ("MaxStartups 10:30:60",)),
    KeywordCheck("MaxSessions", ("MaxSessions",), _sessions,
                 lambda g, c: (f"MaxSessions {SESSIONS_MAX}",)),
    KeywordCheck("ClientAlive", ("ClientAliveInterval", "ClientAliveCountMax"), _alive,
                 lambda g, c: ("ClientAliveInterval 300", "ClientAliveCountMax 3")),
    KeywordCheck("LogLevel", ("LogLevel",), _loglevel, lambda g, c: ("LogLevel VERBOSE",)),
)


def _check(host: Host, params: Params) -> Sequence[TargetResult]:
    return judge(host.sshd, CHECKS, Severity.LOW)


DOCS = """\
**What is checked.** The effective values (drop-ins first on Debian, `sshd -T`
authoritative when supplied; per Match block for the keywords sshd allows there):

| setting | default | fails when |
|---|---|---|
| `LoginGraceTime` (global) | 120 | 0 (no limit) or above 60 s |
| `MaxStartups` (global) | 10:30:100 | start above 10, rate above 30 or full above 60 |
| `MaxSessions` | 10 | above 10 |
| `ClientAliveInterval` / `ClientAliveCountMax` | 0 / 3 | interval 0, or count 0 |
| `LogLevel` | INFO | not INFO or VERBOSE |

Each row is low severity; a stock Debian host fails `LoginGraceTime`, `MaxStartups` and
`ClientAliveInterval`. `MaxStartups` is the one sshd keyword where the **last** line wins:
sshd reads it with `sscanf` straight into its options, and a later single number keeps
an earlier rate (`MaxStartups 5:50:20` then `MaxStartups 7` gives 7:50:7) — found and
proven with Debian's `sshd -T`. `LogLevel SILENT` is `QUIET`, `DEBUG1` is `DEBUG`.

**How the verdict is decided.** `host` fails when any row fails globally; a Match block
whose own lines weaken `MaxSessions`, the client-alive pair or `LogLevel` is a
conditional failure.

**Why.** Long grace times and generous start-up limits make unauthenticated
connection floods cheap; sessions nobody watches stay open; too little logging hides
attacks, debug logging records what it should not.
"""


RULE = Rule(
    id="ssh-session-limits",
    title="SSH session limits or log level not configured",
    category="ssh",
    references=(
        Reference("CIS Debian 12 v1.1.0", "5.1.13", "Ensure sshd LoginGraceTime is configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.18", "Ensure sshd MaxStartups is configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.17", "Ensure sshd MaxSessions is configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.7",
                  "Ensure sshd ClientAliveInterval and ClientAliveCountMax are configured"),
        Reference("CIS Debian 12 v1.1.0", "5.1.14", "Ensure sshd LogLevel is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.21",
                  "Ensure SSH LoginGraceTime is set to one minute or less"),
        Reference("CIS Debian 11 v1.0.0", "5.2.19", "Ensure SSH MaxStartups is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.20", "Ensure SSH MaxSessions is set to 10 or less"),
        Reference("CIS Debian 11 v1.0.0", "5.2.22", "Ensure SSH Idle Timeout Interval is configured"),
        Reference("CIS Debian 11 v1.0.0", "5.2.5", "Ensure SSH LogLevel is appropriate"),
        Reference("OpenSSH", "sshd_config(5)", "LoginGraceTime, MaxStartups, MaxSessions, "
                  "ClientAliveInterval, ClientAliveCountMax, LogLevel"),
    ),
    inputs=("sshd",),
    rationale="Unbounded unauthenticated connections, forgotten idle sessions and thin "
              "logs make attacks cheaper and harder to see.",
    docs=DOCS,
    remediation=Remediation(
        summary="Set `LoginGraceTime 60`, `MaxStartups 10:30:60`, `MaxSessions 10`, "
                "`ClientAliveInterval 300` + `ClientAliveCountMax 3` and `LogLevel VERBOSE` "
                "(the failing ones) in a drop-in sshd reads first.",
        template="ssh/ssh_session_limits.sh.j2"),
    check=_check,
    profiles={"extended": Tuning(Severity.LOW)},
)
