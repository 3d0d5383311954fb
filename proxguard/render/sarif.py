"""SARIF 2.1.0: one result per failing (or accepted, as suppressed) target at file:line.

Code-scanning UIs key results on ruleId + location, so each target is its own result.
Everything comes from the report itself (rule help is the finding's rationale, fix and
references), so a saved JSON report renders exactly like a fresh audit, whatever rule
catalogue the rendering process has.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def render_sarif(report: dict[str, Any]) -> str:
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [sarif_run(report)]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def sarif_run(report: dict[str, Any], category: str | None = None,
              uri_prefix: str = "") -> dict[str, Any]:
    """One SARIF run for one host's report. Fleets give each host its own `category`
    (code scanning rejects several runs of one tool under one category) and, for a host
    directory inside the repository, the `uri_prefix` that makes evidence paths resolve."""
    rules_json = []
    index: dict[str, int] = {}
    for f in report["findings"]:
        index[f["rule"]] = len(rules_json)
        rules_json.append({
            "id": f["rule"],
            "name": f["title"],
            "shortDescription": {"text": f["title"]},
            "fullDescription": {"text": f.get("rationale") or f["title"]},
            "help": _help(f),
            "defaultConfiguration": {"level": _LEVEL[f["severity"]]},
            "properties": {"tags": ["security", f["category"]],
                           "security-severity": _SECURITY_SEVERITY[f["severity"]],
                           "category": f["category"]},
        })
    results = []
    for f in report["findings"]:
        for t in f["targets"]:
            if t["status"] not in ("fail", "accepted"):
                continue
            results.append(_result(f, t, index[f["rule"]], uri_prefix))
    return {
        "tool": {"driver": {"name": "proxguard", "version": report["tool"]["version"],
                            "informationUri": "https://github.com/proxguard/proxguard",
                            "rules": rules_json}},
        "automationDetails": {"id": category or f"proxguard/{report['profile']}/"},
        "results": results,
        "properties": {"grade": report["grade"], "score": report["score"],
                       "profile": report["profile"]},
    }


def _help(f: dict[str, Any]) -> dict[str, str]:
    """Why it matters, what to do, and the controls it is traced to, as text and Markdown."""
    why = (f.get("rationale") or f["title"]).strip()
    fix = ((f.get("remediation") or {}).get("summary") or "").strip()
    refs = [f"{r['source']} {r['id']}" + (f" ({r['title']})" if r.get("title") else "")
            + (f" — partial: {r['note']}" if r.get("coverage") == "partial" else "")
            for r in f.get("references", [])]
    text = [why]
    markdown = [why]
    if fix:
        text.append(f"Fix: {fix}")
        markdown.append(f"**Fix:** {fix}")
    if refs:
        text.append("References: " + ", ".join(refs))
        markdown.append("**References:**\n" + "\n".join(f"- {r}" for r in refs))
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _result(f: dict[str, Any], t: dict[str, Any], rule_index: int,
            uri_prefix: str = "") -> dict[str, Any]:
    text = f"{f['title']}: {t['evidence']}"
    if t.get("conditional"):
        text += f" (only for connections matching {t['conditional']})"
    res: dict[str, Any] = {
        "ruleId": f["rule"],
        "ruleIndex": rule_index,
        "level": _LEVEL[t.get("severity", f["severity"])],
        "message": {"text": text},
        "properties": {"target": t["id"]},
        "partialFingerprints": {"proxguardTarget/v1": f"{f['rule']}:{t['id']}"},
    }
    if t.get("file"):
        loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri_prefix + t["file"])}}
        if t.get("line"):
            loc["region"] = {"startLine": t["line"]}
            if t.get("source") is not None:
                loc["region"]["snippet"] = {"text": t["source"]}
        res["locations"] = [{"physicalLocation": loc}]
    if t["status"] == "accepted":
        res["suppressions"] = [{"kind": "external",
                                "justification": t.get("acceptance", {}).get("reason", "")}]
    return res


def _uri(path: str) -> str:
    """A relative URI reference (SARIF 3.4.3: artifactLocation.uri is a URI): the path with
    every character outside RFC 3986's unreserved set and `/` percent-encoded."""
    return quote(path, safe="/")
