"""The engine: runs a profile's rules over the host model (run), scores the findings
(scoring, profiles), applies acceptances, builds the canonical report (report), compares
two reports (compare); `audit.audit()` is the whole pipeline in one call.

Deliberately empty: `from proxguard.engine.run import Finding` must not pull in the
report builder (which renders remediation scripts that import Finding).
"""
