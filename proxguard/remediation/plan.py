"""The fix-all script: the chosen remediations combined in a safe order, each one isolated.

Why a plan and not a concatenation: the incumbent's combined script died at fix 11 of 16
because one fragment's "nothing to do; exit 0" ended the whole script, and it changed SSH
without first making sure the firewall let the operator back in. Here every fix runs in
its own subshell with its own `set -eu` and is reported on its own; fixes are ordered by
phase so the management path stays open at every step (accept rules before policies,
policies before enabling the firewall, the SSH port change after the accept rules); and a
dry run prints every command that would change something instead of running it.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from proxguard.engine.run import Finding, TargetOutcome
from proxguard.remediation.guard import GUARD_RULE, PORT_RULE, new_ssh_ports, port_accept_script
from proxguard.remediation.scripts import RemediationError, render_target
from proxguard.version import __version__


@dataclass(frozen=True, slots=True)
class Phase:
    """A step of the safe order. `guard`: a failure here stops the run, because the
    phases after it assume the state it was meant to leave (e.g. enabling the firewall
    after the accept for the new SSH port failed would lock the operator out)."""

    order: int
    id: str
    title: str
    guard: bool


PHASES: tuple[Phase, ...] = (
    Phase(10, "firewall-accepts", "firewall accept rules", True),
    Phase(20, "firewall-rules", "other firewall rule changes", True),
    Phase(30, "sshd", "sshd settings", True),
    Phase(40, "ssh-port", "SSH port", True),
    Phase(50, "firewall-policy", "firewall policies", True),
    Phase(60, "firewall-enable", "enabling the firewall", True),
    Phase(70, "access", "users, tokens and permissions", False),
    Phase(80, "containers", "containers", False),
    Phase(90, "storage", "storage", False),
)
_BY_ID = {p.id: p for p in PHASES}

# Rules whose place is not simply their category's (issue 5: "firewall accepts before
# policies, policies before enabling; SSH port change after the firewall accept").
_RULE_PHASE = {
    "no-firewall-rules": "firewall-accepts",
    "ssh-default-port": "ssh-port",
    "default-accept-input": "firewall-policy",
    "firewall-disabled": "firewall-enable",
}
# Every category of proxguard.rule.CATEGORY_TABLE has its place (tests/test_vocabulary.py).
CATEGORY_PHASE = {"ssh": "sshd", "firewall": "firewall-rules", "auth": "access",
                  "api": "access", "container": "containers", "storage": "storage"}


def phase_of(rule_id: str, category: str) -> Phase:
    return _BY_ID[_RULE_PHASE.get(rule_id) or CATEGORY_PHASE[category]]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One failing target's standalone script, placed in the combined run."""

    rule: str
    target: str
    phase: Phase
    script: str
    error: str | None = None  # the template could not be rendered
    # A step the plan adds for another fix's safety: chosen with that (rule, target)
    parent: tuple[str, str] | None = None

    def chosen_by(self, chosen: set[tuple[str, str]]) -> bool:
        """Is this step part of a selection of (rule, target) pairs?"""
        return (self.rule, self.target) in chosen or self.parent in chosen

    @property
    def label(self) -> str:
        return f"{self.rule} {self.target}"

    @property
    def disruption(self) -> str:
        """The fix's own `# Disruption:` header line, for the combined header."""
        m = re.search(r"^#\s*Disruption:\s*(.+)$", self.script, re.MULTILINE)
        return m.group(1).strip() if m else "see the fix's header"


def _natural(s: str) -> tuple[object, ...]:
    """ct/99 before ct/100: target ids sort by their numbers, not their digits."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s))


def plan(findings: Sequence[Finding], rules: Iterable[str] | None = None) -> list[Fragment]:
    """Fragments for the unaccepted failing targets of the chosen rules, in safe order.

    Accepted targets are never fixed: an acceptance records that the risk is wanted."""
    chosen = set(rules) if rules is not None else None
    out: list[tuple[tuple[object, ...], Fragment]] = []
    for index, finding in enumerate(findings):
        if chosen is not None and finding.rule.id not in chosen:
            continue
        phase = phase_of(finding.rule.id, finding.rule.category)
        for outcome in finding.failing:
            frag = _fragment(finding, outcome, phase)
            out.append(((phase.order, index, _natural(outcome.result.id)), frag))
    out.extend(_guard_steps(findings, chosen))
    return [f for _, f in sorted(out, key=lambda kf: kf[0])]


def _guard_steps(findings: Sequence[Finding], chosen: set[str] | None
                 ) -> list[tuple[tuple[object, ...], Fragment]]:
    """The plan's own accept of the new SSH port, after the other accepts and before the
    port change (proxguard/fix_guard.py says why)."""
    phase = _BY_ID["firewall-accepts"]
    out: list[tuple[tuple[object, ...], Fragment]] = []
    for port, outcome in new_ssh_ports(findings, chosen):
        try:
            script, error = port_accept_script(port, outcome), None
        except RemediationError as exc:
            script, error = "", str(exc)
        out.append(((phase.order, len(findings), (port,)),
                    Fragment(GUARD_RULE, f"tcp/{port}", phase, script, error,
                             parent=(PORT_RULE, outcome.result.id))))
    return out


def _fragment(finding: Finding, outcome: TargetOutcome, phase: Phase) -> Fragment:
    rule, target = finding.rule.id, outcome.result.id
    try:
        script = render_target(finding, outcome)
    except RemediationError as exc:
        return Fragment(rule, target, phase, "", str(exc))
    if not script.strip():
        return Fragment(rule, target, phase, "", "the rule has no remediation script")
    return Fragment(rule, target, phase, script)


# -- the combined script -------------------------------------------------------------------

# Commands that change the host, and the sub-commands of each that only read. In a dry
# run the prelude shadows each with a shell function: reads run for real (the fixes
# need them to decide what they would do), everything else is printed instead.
_READ_ONLY: dict[str, str] = {
    "pct": "config|list|status|pending|listsnapshot|df|help",
    "qm": "config|list|status|pending|listsnapshot|showcmd|help",
    "pvesh": "get|ls|usage|help",
    "pvesm": "status|list|path|scan|help",
    "pve-firewall": "status|compile|localnet|simulate|help",
    "systemctl": "is-active|is-enabled|is-failed|status|show|cat|list-units",
}
_ALWAYS_PRINTED = ("vzdump", "cp", "mv", "rm", "rmdir", "mkdir", "install", "chmod",
                   "chown", "ln", "touch", "truncate", "exportfs", "pvecm")

_PRELUDE = r"""
# shellcheck disable=SC2317  # the functions are called from the fixes below
if [ "$PROXGUARD_DRY_RUN" = 1 ]; then
    # shell-quoted only where needed, so the line can be pasted back
    pg_would() {
        printf '[dry-run] would run:'
        for pg_arg in "$@"; do
            case "$pg_arg" in
                *[!A-Za-z0-9_@%+=:,./-]* | '') printf ' %q' "$pg_arg" ;;
                *) printf ' %s' "$pg_arg" ;;
            esac
        done
        printf '\n'
    }
{functions}
    # pveum reads are two or three words deep (user token list, acl list, ...)
    pveum() {
        case "${1:-} ${2:-} ${3:-}" in
            "user token list"*|"user token permissions"*|"user tfa list"*) command pveum "$@" ;;
            "user list"*|"user permissions"*|"acl list"*|"group list"*|"role list"*) command pveum "$@" ;;
            "realm list"*|"pool list"*|"help"*) command pveum "$@" ;;
            *) pg_would pveum "$@" ;;
        esac
    }
    # sshd: -t / -T only read (they validate or print the configuration)
    sshd() {
        case " $* " in
            *" -t "*|*" -T "*) command sshd "$@" ;;
            *) pg_would sshd "$@" ;;
        esac
    }
    # tee writes files: swallow the data, say where it would have gone
    tee() {
        cat >/dev/null
        pg_would tee "$@"
    }
    # sed only writes with -i
    sed() {
        case " $* " in
            *" -i"*) pg_would sed "$@" ;;
            *) command sed "$@" ;;
        esac
    }
fi

PG_TOTAL={total}
PG_OK=0
PG_FAILED=0
PG_SKIPPED=0
PG_STOPPED=0
PG_RESULTS=()

pg_begin() {
    printf '\n==> [%s/%s] %s (%s)\n' "$1" "$PG_TOTAL" "$2" "$3"
}

# pg_end STATUS GUARD LABEL: count, report, and stop the run after a failed guarded fix
pg_end() {
    if [ "$1" -eq 0 ]; then
        PG_OK=$((PG_OK + 1))
        PG_RESULTS+=("ok       $3")
        printf '<== ok: %s\n' "$3"
        return 0
    fi
    PG_FAILED=$((PG_FAILED + 1))
    PG_RESULTS+=("FAILED   $3 (exit $1)")
    printf '<== FAILED (exit %s): %s\n' "$1" "$3" >&2
    if [ "$2" = 1 ] && [ "$PROXGUARD_DRY_RUN" != 1 ]; then
        PG_STOPPED=1
        printf 'Stopping: the fixes after this one rely on it (see the failure rule above).\n' >&2
    fi
}

pg_skip() {
    PG_SKIPPED=$((PG_SKIPPED + 1))
    PG_RESULTS+=("not run  $1")
}
"""

_FUNCTION = """\
    {name}() {{
        case "${{1:-}}" in
            {reads}) command {name} "$@" ;;
            *) pg_would {name} "$@" ;;
        esac
    }}"""

_SUMMARY = r"""
printf '\n%s\n' "ProxGuard fix-all: $PG_OK ok, $PG_FAILED failed, $PG_SKIPPED not run (of $PG_TOTAL)."
printf '  %s\n' "${PG_RESULTS[@]}"
if [ "$PROXGUARD_DRY_RUN" = 1 ]; then
    echo "Dry run: nothing was changed."
fi
if [ "$PG_FAILED" -ne 0 ] || [ "$PG_SKIPPED" -ne 0 ]; then
    exit 1
fi
exit 0
"""


def _dry_run_functions() -> str:
    parts = [_FUNCTION.format(name=n, reads=r) for n, r in _READ_ONLY.items()]
    parts += [f"    {n}() {{ pg_would {n} \"$@\"; }}" for n in _ALWAYS_PRINTED]
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Context:
    """What the header says about where the script comes from."""

    source: str
    profile: str
    audit_time: int
    skipped_accepted: tuple[str, ...] = ()


def combine(fragments: Sequence[Fragment], ctx: Context, *, dry_run: bool = False) -> str:
    """The fix-all script. `dry_run` only changes the default of PROXGUARD_DRY_RUN, so a
    saved script can still be run either way."""
    out = [_header(fragments, ctx, dry_run),
           "# Each fix is a subshell on purpose: its variables must not leak into the next.",
           "# shellcheck disable=SC2030,SC2031", "set -u", "",
           f'PROXGUARD_DRY_RUN="${{PROXGUARD_DRY_RUN:-{1 if dry_run else 0}}}"',
           "export PROXGUARD_DRY_RUN"]
    if not fragments:
        out += ['echo "ProxGuard: nothing to fix (no unaccepted failing target was chosen)."',
                "exit 0", ""]
        return "\n".join(out)
    out.append(_PRELUDE.replace("{functions}", _dry_run_functions())
               .replace("{total}", str(len(fragments))))
    for n, frag in enumerate(fragments, start=1):
        out.append(_wrap(n, len(fragments), frag))
    out.append(_SUMMARY)
    return "\n".join(out)


def _header(fragments: Sequence[Fragment], ctx: Context, dry_run: bool) -> str:
    when = dt.datetime.fromtimestamp(ctx.audit_time, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "#!/usr/bin/env bash",
        f"# ProxGuard fix-all: {len(fragments)} fix(es) for {_one_line(ctx.source)}",
        f"# Generated by proxguard {__version__} from the {ctx.profile} profile "
        f"(audit time {when}).",
        "#",
        "# What it changes, in this order (each fix's own header below says more):",
    ]
    if not fragments:
        lines.append("#   nothing")
    for n, f in enumerate(fragments, start=1):
        lines.append(f"#   {n}. [{f.phase.title}] {_one_line(f.label)}")
        lines.append(f"#      disruption: {_one_line(f.disruption)}")
    for acc in ctx.skipped_accepted:
        lines.append(f"#   not fixed (accepted risk): {_one_line(acc)}")
    lines += [
        "# Disruption: as listed per fix. sshd is reloaded, never restarted, so open SSH",
        "#   sessions stay; keep one open until you have logged in anew.",
        "# Undo: each fix's header says how; edited files are first copied to",
        "#   ${PROXGUARD_ROOT:-}/root/proxguard-backup/.",
        "# How it runs: each fix runs in its own subshell with `set -eu`, so a fix that ends",
        "#   early (\"nothing to do\", exit 0) ends only itself, and its result is reported.",
        "# Failure rule: a failed fix in the firewall or SSH phases stops the run, because",
        "#   the fixes after it rely on the management path it prepares; a failed fix in",
        "#   any later phase (access, containers, storage) is reported and the run goes on.",
        "#   Exit status 0 only when every fix succeeded.",
        f"# Dry run: PROXGUARD_DRY_RUN=1 (default in this script: {1 if dry_run else 0}) "
        "prints each",
        "#   command that would change something instead of running it; read-only commands",
        "#   (pct config, pvesh get, sshd -t, ...) still run so each fix can decide.",
        "# Paths: every fix honours PROXGUARD_ROOT (default /) as a prefix for files.",
        "# Environment passed to the fixes: PROXGUARD_CONFIRM=1 lets fixes that replace",
        "#   data (container conversion by backup and restore) run their last step.",
    ]
    return "\n".join(lines) + "\n"


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _wrap(n: int, total: int, frag: Fragment) -> str:
    label = shlex.quote(frag.label)
    guard = "1" if frag.phase.guard else "0"
    rule = f"# ---- fix {n}/{total}: {_one_line(frag.label)} [{frag.phase.title}] "
    body = frag.script.rstrip("\n") if frag.error is None else (
        f"echo {shlex.quote('ProxGuard could not render this fix: ' + frag.error)} >&2\n"
        "exit 1")
    return "\n".join([
        rule + "-" * max(0, 92 - len(rule)),
        'if [ "$PG_STOPPED" = 0 ]; then',
        f"pg_begin {n} {label} {shlex.quote(frag.phase.title)}",
        "(",
        body,
        ") </dev/null",
        f'pg_end "$?" {guard} {label}',
        "else",
        f"pg_skip {label}",
        "fi",
        "",
    ])
