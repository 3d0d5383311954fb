"""Host paths in one spelling: relative to the host root, no leading slash, no `..`.

Its own module because every reader (directory, tarball, pasted text) names files this
way, and the readers must not import the snapshot that imports them.
"""

from __future__ import annotations

import posixpath


def normalise_path(path: str) -> str:
    p = path.replace("\\", "/")
    p = posixpath.normpath("/" + p).lstrip("/")
    return p
