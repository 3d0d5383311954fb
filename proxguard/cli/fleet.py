"""`proxguard audit A B C …`: several hosts, each audited on its own, in parallel processes.

The command line decides the mode: one host (one tarball, one host directory, or loose
files) keeps the single-host report; several hosts, a fleet directory or `--fleet` give
the fleet report. Thresholds apply to every host; the exit code says whether any host hit
one (1), or whether a host could not be read at all (2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from proxguard.cli.common import UsageError, load_inputs
from proxguard.diagnostics import Diagnostic, Diagnostics
from proxguard.engine.acceptances import Acceptance
from proxguard.engine.audit import Report, audit
from proxguard.engine.compare import compare_reports
from proxguard.fleet.hosts import HostInput, Split, clean, host_name
from proxguard.fleet.report import SCHEMA, HostOutcome, build_fleet, exit_code
from proxguard.fleet.run import default_jobs, run_all
from proxguard.inputs import InputError
from proxguard.render import SHOWS_SCRIPTS
from proxguard.render.fleet import render_fleet

# report → did it hit a threshold? A module-level function or a functools.partial of one,
# so it can be sent to the worker processes (commands.py passes its own threshold check).
Threshold = Callable[[Report], int]


def add_fleet_arguments(a: argparse.ArgumentParser) -> None:
    a.add_argument("--fleet", action="store_true",
                   help="fleet report even for one host (one row per host; JSON proxguard-fleet/1)")
    a.add_argument("--detail", action="store_true",
                   help="fleet text/Markdown: each host's full report after the summary")
    a.add_argument("--jobs", type=int, metavar="N",
                   help="fleet: hosts audited in N processes (default: one per core; 1 = serial)")


def wants_fleet(args: argparse.Namespace, split: Split) -> bool:
    return bool(args.fleet or split.fleet_dir or len(split.hosts) > 1)


@dataclass(frozen=True)
class FleetJob:
    """Everything one worker process needs to audit one host (picklable)."""

    host: HostInput
    profile: str
    now: int
    acceptances: tuple[Acceptance, ...]
    acceptance_diagnostics: tuple[Diagnostic, ...]
    threshold: Threshold
    serialise: bool = False  # also return the report as JSON text (fleet written as JSON)
    require: tuple[str, ...] | None = None  # --require's categories (None: what was supplied)
    scripts: bool = True  # render the remediation scripts (only the formats that print them)


def audit_one(job: FleetJob) -> HostOutcome:
    """Audit one host. An unreadable input, or a failure inside the engine, becomes an
    error row for this host: the other hosts' reports are still produced."""
    fallback = host_name(job.host, [])
    try:
        snap = load_inputs(job.host.paths)
        snap.diagnostics.extend(job.acceptance_diagnostics)
        report = audit(snap, profile=job.profile, now=job.now, acceptances=job.acceptances,
                       require=job.require)
        hit = bool(job.threshold(report))
    except (InputError, OSError, ValueError) as exc:
        return HostOutcome(fallback, job.host.label, job.host.kind, None, clean(str(exc), 500))
    except Exception as exc:  # an engine bug on one host must not lose the other reports
        return HostOutcome(fallback, job.host.label, job.host.kind, None,
                           clean(f"internal error ({type(exc).__name__}: {exc})", 500))
    name = host_name(job.host, sorted(snap.files))
    data = report.to_json(scripts=job.scripts)
    text = json.dumps(data, indent=2, ensure_ascii=False) if job.serialise else None
    return HostOutcome(name, job.host.label, job.host.kind, data, None, hit, text)


def run_fleet(args: argparse.Namespace, split: Split, accepts: Sequence[Acceptance],
              accept_diags: Diagnostics, threshold: Threshold,
              require: Sequence[str] | None = None) -> tuple[str, int]:
    """Audit every host of `split`; return the rendered fleet report and the exit code."""
    if not split.hosts:
        raise InputError(f"{' '.join(args.paths)}: no host found (expected collector tarballs "
                         "or directories laid out like a host root)")
    for note in split.skipped:
        print(f"proxguard: note: {clean(note)}", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    old = _old_fleet(args.compare) if args.compare else None
    now = int(time.time()) if args.now is None else args.now
    serialise = args.format == "json" and old is None  # --compare changes the reports after
    required = None if require is None else tuple(require)
    scripts = args.format in SHOWS_SCRIPTS or old is not None
    jobs = [FleetJob(h, args.profile, now, tuple(accepts), tuple(accept_diags), threshold,
                     serialise, required, scripts) for h in split.hosts]
    workers = args.jobs or default_jobs(len(jobs))
    try:
        outcomes = run_all(audit_one, jobs, workers, sys.stderr)
    except BrokenProcessPool as exc:  # a worker was killed (e.g. out of memory)
        raise UsageError(f"a worker process died ({exc}); rerun with --jobs 1") from exc
    if old is not None:
        outcomes = _with_comparisons(outcomes, old)
    fleet = build_fleet(outcomes, args.profile,
                        {"fail_on": args.fail_on, "min_grade": args.min_grade,
                         "require": args.require})
    if split.skipped:
        fleet["skipped"] = [clean(s) for s in split.skipped]
    texts = [o.report_json for o in outcomes] if serialise else None
    return render_fleet(fleet, args.format, args.detail, texts), exit_code(fleet)


def _old_fleet(path: str) -> dict[str, dict[str, Any]]:
    """A saved fleet report's host reports by host name, for --compare."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a JSON report ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"{path}: a fleet is compared with a saved fleet report "
                         f"(schema {SCHEMA}, from --format json)")
    return {h["host"]: h["report"] for h in data.get("hosts", [])
            if isinstance(h, dict) and isinstance(h.get("report"), dict) and "host" in h}


def _with_comparisons(outcomes: list[HostOutcome],
                      old: dict[str, dict[str, Any]]) -> list[HostOutcome]:
    out = []
    for o in outcomes:
        before = old.get(o.host)
        if o.report is not None and before is not None:
            o = replace(o, report=dict(o.report, comparison=compare_reports(before, o.report)))
        out.append(o)
    return out
