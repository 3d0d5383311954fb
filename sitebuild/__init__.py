"""Build helpers for the static site and the single-file page (used by ../build.py).

Kept out of the `proxguard` package on purpose: nothing here ships to users, and the
engine must not depend on npm, Node or pip.
"""
