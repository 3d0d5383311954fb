"""A long cluster.fw for the Firewall tab's partial rendering, shared by the façade tests
(tests/test_web_firewall.py) and the browser test (tests/e2e/test_firewall_tab.py)."""

from __future__ import annotations

EVIL = "# <script>alert(\"$(id)\")</script> 'q' &amp;"


def long_set(pairs: int = 300) -> str:
    """2×`pairs` rules: each office ACCEPT shadows the lab DROP after it, so conflict k
    is the shadowing of rule 2k+1 by rule 2k; rule 501 carries a hostile comment."""
    rules = []
    for i in range(pairs):
        src = f"10.{i // 250}.{i % 250}.0"
        rules += [f"IN ACCEPT -source {src}/24 -p tcp -dport 443",
                  f"IN DROP -source {src}/25 -p tcp -dport 443" + (f" {EVIL}" if i == 250 else "")]
    return "[OPTIONS]\nenable: 1\n\n[RULES]\n" + "\n".join(rules) + "\n"
