"""HTML for people: the report fragment the web page shows, and the standalone report page.

Both come from one set of Jinja2 templates so the browser and `proxguard audit --format html`
can never disagree. Autoescaping is on for every template: evidence and offending lines are
copied from user-supplied configs, and a config line holding `<script>` must arrive as text.
The view model below decides order, grouping and wording, so the page's JavaScript only
moves this HTML into place and never re-derives a verdict.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, TextIO

from markupsafe import Markup

from proxguard.inputs import KIND_LABELS
from proxguard.model.permission_matrix import ACCESS_CATEGORIES, subjects_named
from proxguard.render.environment import html_environment, where
from proxguard.render.logins import view as logins_view
from proxguard.render.overview import chart_view, search_text, severity_counts
from proxguard.rule import category_title

STATUS_LABELS: dict[str, str] = {
    "fail": "failed", "accepted": "accepted", "not_evaluated": "not assessed",
    "pass": "passed", "not_applicable": "not applicable",
}
# The order findings are listed in, per category: what needs action first.
STATUS_ORDER: tuple[str, ...] = ("fail", "accepted", "not_evaluated", "pass", "not_applicable")
GROUP_HEADINGS: dict[str, str] = {
    "fail": "Failing", "accepted": "Accepted risks", "not_evaluated": "Not assessed",
    "pass": "Passed", "not_applicable": "Not applicable (nothing of that kind found)",
}
_SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
# Host model parts a rule can need (Rule.inputs) → the files that supply them.
INPUT_HINTS: dict[str, str] = {
    "sshd": "sshd_config (etc/ssh/sshd_config and sshd_config.d/*.conf)",
    "firewall": "the firewall files (cluster.fw, host.fw, guest .fw)",
    "firewall.cluster": "cluster.fw (etc/pve/firewall/cluster.fw)",
    "firewall.hosts": "host.fw (etc/pve/nodes/<node>/host.fw)",
    "access": "user.cfg (etc/pve/user.cfg)",
    "access.tokens": "the API token listing (pveum user token list)",
    "storage": "storage.cfg (etc/pve/storage.cfg)",
    "guests": "the guest configs (etc/pve/lxc/*.conf, etc/pve/qemu-server/*.conf)",
    "realms": "domains.cfg (etc/pve/domains.cfg)",
    "running_firewall": "pve-firewall status, iptables-save, ip6tables-save or nft list "
                        "ruleset output (commands/pve-firewall-status.txt, "
                        "commands/iptables-save.txt, commands/ip6tables-save.txt, "
                        "commands/nft-list-ruleset.txt)",
    "running_firewall.ruleset": "iptables-save, ip6tables-save or nft list ruleset output "
                                "(commands/iptables-save.txt, commands/ip6tables-save.txt, "
                                "commands/nft-list-ruleset.txt)",
}
_GAUGE_RADIUS = 52
# How many targets of each status one finding shows in full (evidence, source line,
# acceptance). The demos show at most 14; a 100,000-rule cluster.fw has ~100,000 passed
# targets in each of three findings (docs/performance.md, "Rendering").
INLINE_TARGETS = 25
# A remediation script longer than this (characters) is not put in the page; the page
# says how long it is and how to get it (`proxguard fix --rule`, or the JSON report).
INLINE_SCRIPT_CHARS = 262144
# How many firewall conflicts the report lists (a redundancy note per duplicated rule
# grows with the rule set: 577 at 3,000 generated rules).
INLINE_CONFLICTS = 200


def _gauge(score: int | None, grade: str | None) -> dict[str, Any]:
    circumference = 2 * math.pi * _GAUGE_RADIUS
    value = 0 if score is None else max(0, min(100, int(score)))
    return {"r": _GAUGE_RADIUS, "circumference": round(circumference, 2),
            "dash": round(circumference * value / 100, 2),
            "grade": grade or "–", "grade_class": f"g-{grade}" if grade else "g-none"}


def _target_view(t: dict[str, Any]) -> dict[str, Any]:
    status = str(t.get("status", ""))
    return {"id": t.get("id", ""), "status": status, "severity": t.get("severity") or "",
            "evidence": t.get("evidence", ""), "line": t.get("line") or 0,
            "source": t.get("source"), "conditional": t.get("conditional"),
            "acceptance": t.get("acceptance"),
            "status_label": STATUS_LABELS.get(status, status), "where": where(t),
            "subject": ""}


def _finding_view(f: dict[str, Any]) -> dict[str, Any]:
    status = str(f.get("status", ""))
    shown = _shown_targets(f.get("targets") or [])
    targets = [_target_view(t) for t in shown["full"]]
    if f.get("category") in ACCESS_CATEGORIES:  # the page links these to the Access tab
        for t in targets:
            t["subject"] = next(iter(subjects_named([str(t["id"])])), "")
    missing = [INPUT_HINTS.get(m, m) for m in f.get("missing_inputs", [])]
    remediation = f.get("remediation") or {}
    script = str(remediation.get("script", ""))
    return {
        "rule": f.get("rule", ""), "title": f.get("title", ""), "status": status,
        "rationale": f.get("rationale", ""), "error": f.get("error"),
        "references": [{"source": r.get("source", ""), "id": r.get("id", ""),
                        "title": r.get("title", ""), "note": r.get("note", "")}
                       for r in f.get("references") or []],
        "anchor": "finding-" + "".join(c if c.isalnum() or c == "-" else "_"
                                       for c in str(f.get("rule", ""))),
        "status_label": STATUS_LABELS.get(status, status),
        "targets": targets,
        "more": [_compact_view(t) for t in shown["compact"]],
        "not_shown": shown["not_shown"],
        "n_failing": shown["counts"].get("fail", 0),
        "missing": missing,
        "summary_text": remediation.get("summary", ""),
        "script": script if len(script) <= INLINE_SCRIPT_CHARS else "",
        "script_withheld": _withheld(script),
        "severity_shown": f.get("effective_severity") or f.get("severity", ""),
        "search": search_text(f if not shown["not_shown"] else
                              {**f, "targets": shown["listed"]}),
    }


def _shown_targets(raw: list[dict[str, Any]]) -> dict[str, Any]:
    """Which targets one finding shows, and how: in status order (what needs action
    first), the first INLINE_TARGETS of each status in full; every further failing,
    accepted or not-assessed target as one compact row (object, result, file:line), so
    each stays findable; further passed and not-applicable ones only counted, with a
    pointer to the JSON report, which holds every target. The counts per status are
    those of every target."""
    buckets: dict[int, list[dict[str, Any]]] = {}
    counts: dict[str, int] = {}
    for t in raw:
        buckets.setdefault(_status_rank(t.get("status")), []).append(t)
        counts[str(t.get("status", ""))] = counts.get(str(t.get("status", "")), 0) + 1
    full: list[dict[str, Any]] = []
    compact: list[dict[str, Any]] = []
    not_shown: list[dict[str, Any]] = []
    for rank in sorted(buckets):
        group = buckets[rank]
        full.extend(group[:INLINE_TARGETS])
        rest = group[INLINE_TARGETS:]
        if rank >= STATUS_ORDER.index("pass") and rank < len(STATUS_ORDER):
            if rest:
                label = STATUS_LABELS[STATUS_ORDER[rank]]
                not_shown.append({"count": len(rest), "label": label})
        else:  # failing, accepted, not assessed, or a status this renderer does not know
            compact.extend(rest)
    listed: list[dict[str, Any]] = []
    if not_shown:  # what the page's filter searches: the targets this page lists
        keep = {id(t) for t in full} | {id(t) for t in compact}
        listed = [t for t in raw if id(t) in keep]
    return {"full": full, "compact": compact, "not_shown": not_shown, "listed": listed,
            "counts": counts}


def _compact_view(t: dict[str, Any]) -> dict[str, Any]:
    status = str(t.get("status", ""))
    return {"id": t.get("id", ""), "status": status,
            "status_label": STATUS_LABELS.get(status, status),
            "severity": (t.get("severity") or "") if status in ("fail", "accepted") else "",
            "where": where(t), "conditional": t.get("conditional")}


def _withheld(script: str) -> dict[str, int] | None:
    """A script too long to read on a page is not shown (a cut script must never be
    copied and run): its size, and where to get it whole."""
    if len(script) <= INLINE_SCRIPT_CHARS:
        return None
    return {"lines": script.count("\n"), "kib": (len(script.encode("utf-8", "replace"))
                                                 + 1023) // 1024}


def _status_rank(status: object) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _category_findings(findings: list[dict[str, Any]], cat: str) -> list[dict[str, Any]]:
    """One category's findings in groups by status; failing ones worst severity first."""
    mine = [_finding_view(f) for f in findings if f.get("category") == cat]
    groups = []
    for status in STATUS_ORDER:
        group = [f for f in mine if f.get("status") == status]
        group.sort(key=lambda f: -_SEVERITY_RANK.get(str(f["severity_shown"]), -1))
        if group:
            groups.append({"status": status, "heading": GROUP_HEADINGS[status],
                           "findings": group})
    return groups


def _category_view(c: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, Any]:
    counts = c.get("counts") or {}
    parts = [f"{counts[s]} {STATUS_LABELS[s]}" for s in STATUS_ORDER if counts.get(s)]
    return {**c, "title": category_title(c["id"]),
            "counts_text": " · ".join(parts) or "no rules",
            "grade_class": f"g-{c['grade']}" if c.get("grade") else "g-none",
            "groups": _category_findings(findings, c["id"])}


def _example_text(example: object) -> str:
    if isinstance(example, dict):
        return " ".join(f"{k}={v}" for k, v in example.items())
    return "" if example is None else str(example)


def _firewall_view(fw: object) -> dict[str, Any]:
    """The conflict list: every conflict when there are at most INLINE_CONFLICTS, else
    the first ones, proven conflicts before informational notes, and how many of each
    type are not shown (the JSON report's `firewall.conflicts` holds them all)."""
    items = [c for c in (fw.get("conflicts") or []) if isinstance(c, dict)] \
        if isinstance(fw, dict) else []
    if len(items) > INLINE_CONFLICTS:
        items.sort(key=lambda c: bool(c.get("note")))  # stable: report order within each
    shown, rest = items[:INLINE_CONFLICTS], items[INLINE_CONFLICTS:]
    types: dict[str, int] = {}
    for c in rest:
        types[str(c.get("type", ""))] = types.get(str(c.get("type", "")), 0) + 1
    out = []
    for c in shown:
        by = c.get("by") or []
        out.append({"type": c.get("type", ""), "rule": c.get("rule", ""),
                    "by": ", ".join(map(str, by)) if isinstance(by, list) else str(by),
                    "example": _example_text(c.get("example")),
                    "message": c.get("message", "")})
    return {"shown": out, "not_shown": len(rest),
            "not_shown_types": [{"type": t, "count": n} for t, n in types.items()]}


def view_model(report: dict[str, Any]) -> dict[str, Any]:
    """Everything the templates show, decided here so the templates only lay it out."""
    findings = list(report.get("findings") or [])
    categories = [_category_view(c, findings) for c in report.get("categories") or []]
    assessed = sum(1 for c in categories if c.get("assessed"))
    summary = report.get("summary") or {}
    counts = [(STATUS_LABELS[s], summary[s], s) for s in STATUS_ORDER if summary.get(s)]
    when = report.get("audit_time")
    return {
        "r": report,
        "grade": report.get("grade"),
        "score": report.get("score"),
        "gauge": _gauge(report.get("score"), report.get("grade")),
        "profile": report.get("profile", ""),
        "coverage_text": f"{assessed} of {len(categories)} categories assessed",
        "rule_coverage": round(float(report.get("coverage") or 0) * 100),
        "counts": counts,
        "categories": categories,
        "chart": chart_view(categories),
        "severities": severity_counts(findings),
        "accepted_targets": summary.get("accepted_targets", 0),
        "evidence_note": (report.get("evidence") or {}).get("note"),
        "diagnostics": [{**d, "where": where(d)} for d in report.get("diagnostics") or []],
        "inputs": [{**i, "label": KIND_LABELS.get(i.get("kind", ""), i.get("kind", ""))}
                   for i in report.get("inputs") or []],
        "conflicts": _firewall_view(report.get("firewall")),
        "logins": logins_view(report.get("ssh_logins")),
        "stale": (report.get("acceptances") or {}).get("stale") or [],
        "version": (report.get("tool") or {}).get("version", ""),
        "audit_date": dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        if isinstance(when, int) else "",
        "live": report.get("live"),  # `proxguard audit /`: the running host
    }


def render_fragment(report: dict[str, Any], interactive: bool = True) -> str:
    """The results part of the page: grade gauge, categories, findings, diagnostics.
    `interactive` adds the copy buttons the page's script wires up."""
    return _fragment(view_model(report), interactive)


def _fragment(v: dict[str, Any], interactive: bool) -> str:
    return html_environment().get_template("fragment.html.j2").render(
        v=v, interactive=interactive)


def render_report(report: dict[str, Any]) -> str:
    """A standalone page: inline CSS, no script, no external resource, so it can be
    mailed or archived and still open anywhere."""
    env = html_environment()
    css = env.get_template("report.css.j2").render()
    return env.get_template("page.html.j2").render(
        v=view_model(report), css=Markup(css),
        fragment=Markup(render_fragment(report, interactive=False)))


def write_report(report: dict[str, Any], out: TextIO) -> None:
    """The same page as render_report, written as Jinja makes it (the fragment is one
    string inside it: it is bounded per target by the view model)."""
    env = html_environment()
    css = env.get_template("report.css.j2").render()
    v = view_model(report)
    for piece in env.get_template("page.html.j2").generate(
            v=v, css=Markup(css), fragment=Markup(_fragment(v, interactive=False))):
        out.write(piece)
