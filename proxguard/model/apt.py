"""APT sources as apt itself reads them: one entry per (type, URI, suite) with its line.

Both formats of sources.list(5) reduce to the same entry: the one-line format
(`deb [opts] URI SUITE [COMPONENT…]`, /etc/apt/sources.list and sources.list.d/*.list)
and the deb822 format (`Types:`/`URIs:`/`Suites:`/`Components:` stanzas,
sources.list.d/*.sources). A deb822 stanza listing several URIs or suites is expanded,
as apt does, into one entry per combination, each pointing at the stanza's first line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AptEntry:
    file: str
    line: int
    type: str  # "deb" or "deb-src"
    uri: str
    suite: str
    components: tuple[str, ...]
    enabled: bool  # deb822 `Enabled: no` keeps the stanza but apt ignores it
    source: str  # the line (or the stanza's first line) as written, for evidence


@dataclass(slots=True)
class AptSources:
    files: list[str] = field(default_factory=list)
    entries: list[AptEntry] = field(default_factory=list)

    def active(self) -> list[AptEntry]:
        """The binary-package entries apt uses (deb-src never installs packages)."""
        return [e for e in self.entries if e.enabled and e.type == "deb"]
