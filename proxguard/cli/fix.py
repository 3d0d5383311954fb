"""`proxguard fix PATH…`: the combined fix-all script of `proxguard.remediation.plan`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from proxguard.cli.common import UsageError, load_acceptances, load_inputs
from proxguard.engine.audit import audit
from proxguard.engine.profiles import PROFILES
from proxguard.engine.run import Finding
from proxguard.remediation.plan import Context, combine, plan
from proxguard.render.escape import printable


def add_fix_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`proxguard fix PATH… [--accept FILE] [--rule ID…] [--dry-run]` (DESIGN.md §4)."""
    f = subparsers.add_parser(
        "fix", help="write one script that fixes the failing targets in a safe order")
    f.add_argument("paths", nargs="+", metavar="PATH",
                   help="directory laid out like the host root, collector tarball, or files")
    f.add_argument("--profile", choices=sorted(PROFILES), default="extended")
    f.add_argument("--accept", metavar="FILE", help="acceptances (TOML): accepted targets "
                   "are not fixed")
    f.add_argument("--rule", dest="rules", action="extend", nargs="+", metavar="ID",
                   help="only these rules (repeatable)")
    f.add_argument("--dry-run", action="store_true",
                   help="the script prints each changing command instead of running it")
    f.add_argument("-o", "--output", metavar="FILE", help="write the script here")
    f.add_argument("--now", type=int, help=argparse.SUPPRESS)  # fixed audit time for tests
    f.set_defaults(func=cmd_fix)


def cmd_fix(args: argparse.Namespace) -> int:
    snap = load_inputs(args.paths, command="fix")
    accepts = load_acceptances(args.accept, snap.diagnostics)
    report = audit(snap, profile=args.profile, now=args.now, acceptances=accepts)
    known = {f.rule.id for f in report.findings}
    unknown = sorted(set(args.rules or ()) - known)
    if unknown:
        raise UsageError(f"unknown rule(s) for profile {args.profile}: {', '.join(unknown)} "
                         "(see `proxguard rules`)")
    fragments = plan(report.findings, args.rules)
    ctx = Context(" ".join(args.paths), args.profile, report.host.now,
                  tuple(_accepted(report.findings, args.rules)))
    script = combine(fragments, ctx, dry_run=args.dry_run)
    if args.output:
        Path(args.output).write_text(script, encoding="utf-8")
    else:
        sys.stdout.write(script)
    broken = [f.label for f in fragments if f.error]
    for label in broken:
        print(f"proxguard: no script for {printable(label)}; it is written to fail",
              file=sys.stderr)
    return 0


def _accepted(findings: Sequence[Finding], rules: Sequence[str] | None) -> list[str]:
    out = []
    for f in findings:
        if rules and f.rule.id not in rules:
            continue
        for t in f.accepted:
            reason = t.acceptance.reason if t.acceptance else ""
            out.append(f"{f.rule.id} {t.result.id} ({reason})")
    return out
