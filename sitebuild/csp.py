"""Content-Security-Policy for the two builds, injected as a <meta> into the page.

Hosted: only this origin may serve scripts, styles, workers and fetches; the worker is
started from a blob: bootstrap so it inherits this policy. WebAssembly needs
'wasm-unsafe-eval' (not 'unsafe-eval'). Single file: no fetch at all (connect-src
'none'); inline scripts and styles are allowed by their sha256 only; data:/blob: carry
the embedded modules and the worker.
"""

from __future__ import annotations

import base64
import hashlib
import re

Policy = dict[str, list[str]]

HOSTED: Policy = {
    "default-src": ["'none'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}


def single_file(script_hashes: list[str], style_hashes: list[str]) -> Policy:
    return {
        "default-src": ["'none'"],
        "script-src": [*script_hashes, "'wasm-unsafe-eval'", "data:", "blob:"],
        "connect-src": ["'none'"],
        "worker-src": ["data:", "blob:"],
        "style-src": style_hashes or ["'none'"],
        "img-src": ["data:", "blob:"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }


def source_hash(text: str) -> str:
    """The CSP hash source of an inline element's exact text content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def render(policy: Policy) -> str:
    return "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items())


_EXISTING = re.compile(r'<meta\s+http-equiv="Content-Security-Policy"[^>]*>\s*', re.I)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.I)


def inject(html: str, policy: Policy) -> str:
    """Put the policy first in <head> (it only governs what comes after it)."""
    html = _EXISTING.sub("", html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{render(policy)}">'
    match = _HEAD.search(html)
    if match is None:
        raise ValueError("page has no <head> to hold the Content-Security-Policy")
    return f"{html[:match.end()]}\n{meta}{html[match.end():]}"
