"""The command line: the same engine as the web page, for CI pipelines.

Exit codes are a contract (DESIGN.md §4): 0 ran and under threshold, 1 threshold hit,
2 usage or unreadable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proxguard.cli.common import UsageError, load_acceptances, load_inputs
from proxguard.cli.explain import explain_targets
from proxguard.cli.firewall import add_firewall_parser
from proxguard.cli.fix import add_fix_parser
from proxguard.cli.fleet import add_fleet_arguments, run_fleet, wants_fleet
from proxguard.cli.permissions import add_permissions_parser
from proxguard.diagnostics import Diagnostics
from proxguard.engine.acceptances import AcceptanceError
from proxguard.engine.audit import Report, audit
from proxguard.engine.collector import collector_paused
from proxguard.engine.compare import ReportShapeError, compare_reports
from proxguard.engine.evidence import parse_require
from proxguard.engine.profiles import PROFILES
from proxguard.fleet.hosts import split_hosts
from proxguard.inputs import InputError
from proxguard.model.permission_matrix import ACCESS_CATEGORIES
from proxguard.render import FORMATS, SHOWS_SCRIPTS, write
from proxguard.render.escape import printable
from proxguard.rule import Severity
from proxguard.rules import ALL_RULES, BY_ID
from proxguard.version import __version__

GRADES = ("A", "B", "C", "D", "F")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, InputError, AcceptanceError, ValueError, OSError) as exc:
        print(f"proxguard: {printable(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="proxguard", description="Proxmox VE security auditor")
    p.add_argument("--version", action="version", version=f"proxguard {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("audit", help="audit a host snapshot and report")
    a.add_argument("paths", nargs="*", metavar="PATH",
                   help="directory laid out like the host root, collector tarball, or single "
                        "files; `/` audits the running host (same as --live)")
    a.add_argument("--live", action="store_true",
                   help="audit the running host: read the list of sources from / and, as "
                        "root, run its read-only commands (docs/security.md)")
    a.add_argument("--profile", choices=sorted(PROFILES), default="extended")
    a.add_argument("--format", choices=list(FORMATS), default="text")
    a.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    a.add_argument("--accept", metavar="FILE", help="acceptances (TOML) to apply")
    a.add_argument("--compare", metavar="OLD.json", help="compare with a saved JSON report")
    a.add_argument("--fail-on", choices=[s.value for s in Severity], metavar="SEVERITY",
                   help="exit 1 if an unaccepted failure of this severity or worse exists")
    a.add_argument("--min-grade", choices=GRADES, metavar="GRADE",
                   help="exit 1 if the grade is worse than GRADE")
    a.add_argument("--require", metavar="CATEGORIES",
                   help="comma-separated categories (ssh,firewall,auth,container,storage,api) "
                        "that must be assessed, or none; default: every category whose input "
                        "was supplied. Exit 1 when one was not (with --min-grade, or alone)")
    a.add_argument("--now", type=int, help=argparse.SUPPRESS)  # fixed audit time for tests
    add_fleet_arguments(a)
    a.set_defaults(func=cmd_audit)

    r = sub.add_parser("rules", help="list the rule catalogue")
    r.add_argument("--profile", choices=sorted(PROFILES))
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(func=cmd_rules)

    add_fix_parser(sub)
    add_firewall_parser(sub)
    add_permissions_parser(sub)

    e = sub.add_parser("explain", help="show a rule's documentation; with a snapshot, its "
                                      "targets there (access rules: each subject's permissions)")
    e.add_argument("rule")
    e.add_argument("paths", nargs="*", metavar="SNAPSHOT",
                   help="optional: audit these inputs and show the rule's targets")
    e.add_argument("--now", type=int, help=argparse.SUPPRESS)
    e.set_defaults(func=cmd_explain)
    return p


def cmd_audit(args: argparse.Namespace) -> int:
    require = parse_require(args.require) if args.require is not None else None
    split = split_hosts(args.paths)  # several hosts are never merged into one snapshot
    if wants_fleet(args, split):
        diags = Diagnostics()
        accepts = load_acceptances(args.accept, diags)
        gate = functools.partial(_gate, fail_on=args.fail_on, min_grade=args.min_grade,
                                 require_given=args.require is not None)
        text, code = run_fleet(args, split, accepts, diags, gate, require)
        _emit(text, args.output)
        return code
    snap = load_inputs(args.paths, args.live, args.now, command="audit")
    accepts = load_acceptances(args.accept, snap.diagnostics)
    report = audit(snap, profile=args.profile, now=args.now, acceptances=accepts,
                   require=require)
    # the text, SARIF, JUnit and Markdown outputs show no script: none is rendered for them
    data = report.to_json(scripts=args.format in SHOWS_SCRIPTS)
    if args.compare:
        old = _read_report(args.compare)
        try:
            data = dict(data, comparison=compare_reports(old, data))
        except ReportShapeError as exc:
            raise UsageError(f"{args.compare}: not a usable ProxGuard report ({exc})") from exc
    with collector_paused():  # a large report is millions of objects (engine/collector.py)
        _write(data, args.format, args.output)
    return _gate(report, args.fail_on, args.min_grade, args.require is not None)


def _gate(report: Report, fail_on: str | None, min_grade: str | None,
          require_given: bool) -> int:
    """The exit code's threshold part for one host (fleets apply it to every host)."""
    hit = _threshold(report, fail_on, min_grade)
    # too little assessed: with --min-grade (default --require) or an explicit --require
    short = bool(report.to_json(scripts=False)["evidence"]["missing"])  # no script needed
    return 1 if hit or (short and (min_grade or require_given)) else 0


def _read_report(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a JSON report ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("proxguard-report/"):
        raise UsageError(f"{path}: not a ProxGuard JSON report (no proxguard-report schema)")
    return data


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _write(data: dict[str, Any], fmt: str, output: str | None) -> None:
    """The report written as it is rendered: a large one is never one string. A file is
    written beside its destination and renamed into place, so a render that fails
    halfway leaves the previous report (or none), never a truncated one a pipeline
    would take as complete."""
    if not output:
        write(data, fmt, sys.stdout)
        return
    dest = Path(output)
    if dest.exists() and not dest.is_file():  # /dev/stdout, a FIFO: no rename possible
        with dest.open("w", encoding="utf-8") as fh:
            write(data, fmt, fh)
        return
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(data, fmt, fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a plain open() would have created it
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _threshold(report: Report, fail_on: str | None, min_grade: str | None) -> int:
    hit = False
    if fail_on:
        floor = Severity(fail_on).rank
        hit = any(t.severity.rank >= floor for f in report.findings for t in f.failing)
    if min_grade and not hit:
        grade = report.grade
        hit = grade is None or GRADES.index(grade) > GRADES.index(min_grade)
    return 1 if hit else 0


def cmd_rules(args: argparse.Namespace) -> int:
    rows = [r for r in ALL_RULES if args.profile is None or args.profile in r.profiles]
    if args.format == "json":
        out = [{"id": r.id, "title": r.title, "category": r.category,
                "profiles": {p: t.severity.value for p, t in r.profiles.items()},
                "references": [ref.to_json() for ref in r.references], "inputs": list(r.inputs)}
               for r in rows]
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    for r in rows:
        sev = ", ".join(f"{p}: {t.severity.value}" for p, t in sorted(r.profiles.items()))
        refs = "; ".join(f"{x.source} {x.id}" for x in r.references)
        print(f"{r.id:<28} {r.category:<10} {sev:<34} {refs}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    rule = BY_ID.get(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r} (see `proxguard rules`)")
    print(f"{rule.id} — {rule.title}")
    print(f"category: {rule.category}; "
          + "; ".join(f"{p}: {t.severity.value}" for p, t in sorted(rule.profiles.items())))
    print("references: " + "; ".join(
        f"{x.source} {x.id}" + (f" ({x.title})" if x.title else "")
        + (f" [partial: {x.partial}]" if x.partial else "") for x in rule.references))
    print(f"needs: {', '.join(rule.inputs)}")
    print()
    print(rule.rationale.strip())
    print()
    print(rule.docs.strip())
    print()
    print(f"Fix: {rule.remediation.summary}")
    if args.paths:
        explain_targets(rule, args.paths, args.now)
    elif rule.category in ACCESS_CATEGORIES:
        print()
        print("Who holds what: proxguard permissions SNAPSHOT --subject ID (ID from a target "
              "user/ID or token/ID); `proxguard explain "
              f"{rule.id} SNAPSHOT` lists them for you")
    return 0
