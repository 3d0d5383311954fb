"""The SectionConfig reader shared by storage.cfg and domains.cfg.

Proxmox parses both files with one generic line machine (pve-common SectionConfig) whose
quirks decide what the cluster really runs with: a blank line ends a section, but a line
of spaces or a lone `\\r` does not, so a CRLF file silently loses every section after the
first. We replay that machine exactly and report each line it would drop, because an
auditor that reads "what the file seems to say" instead of "what PVE keeps" grades the
wrong configuration.

The per-format knowledge (which types exist, which keys each type takes, how a value is
validated) stays with the caller through a `Schema`; this module knows only the layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from proxguard.diagnostics import Diagnostics
from proxguard.model.values import Prop

# formats.md §4.1 / COM SectionConfig.pm parse_section_header: `<type>:<ws>*<id><ws>*`,
# starting in column 0 (a leading blank would make `\S+` fail to match at ^).
_HEADER = re.compile(r"^(\S+):\s*(\S+)\s*$")
# COM SectionConfig.pm parse_config: property lines need leading whitespace; the value is
# the rest of the line with surrounding whitespace trimmed (this also eats a CRLF `\r`).
_PROPERTY = re.compile(r"^\s+(\S+)(?:\s+(.*\S))?\s*$")
# Comment lines (optional leading whitespace, then #) are skipped anywhere.
_COMMENT = re.compile(r"^\s*#")


@dataclass(slots=True)
class Section:
    type: str
    id: str
    line: int  # line of the header
    props: dict[str, Prop] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        prop = self.props.get(key)
        return prop.value if prop is not None else default

    def line_of(self, key: str) -> int:
        """Line of `key`, or 0 (the file as a whole) when it is absent."""
        prop = self.props.get(key)
        return prop.line if prop is not None else 0


# check(type, key, value) -> (stored value, None) when accepted, or (None, message) when
# PVE would drop it. `value` is None for a key written without a value.
ValueCheck = Callable[[str, str, str | None], tuple[str | None, str | None]]
# check_id(type, id) -> message when PVE would skip the whole section, else None.
IdCheck = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Schema:
    """What the caller knows about one SectionConfig file."""

    types: frozenset[str]
    check_value: ValueCheck
    check_id: IdCheck
    lower_type: bool = True  # storage and realm plugins lower-case the type keyword


def _ends_block(line: str | None) -> bool:
    """Perl truthiness, which is what ends a section in parse_config: `while ($line =
    $nextline->())` stops on end of input, on "" and also on the string "0"."""
    return line is None or line in ("", "0")


class _Lines:
    """Line source that skips comments and counts lines, as parse_config's $nextline."""

    def __init__(self, text: str) -> None:
        # split on \n only (a `\r` stays part of the line, which is the CRLF trap).
        self._lines = text.split("\n")
        self.lineno = 0

    def __bool__(self) -> bool:
        return self.lineno < len(self._lines)

    def next(self) -> str | None:
        while self.lineno < len(self._lines):
            line = self._lines[self.lineno]
            self.lineno += 1
            if not _COMMENT.match(line):
                return line
        return None


def parse(text: str, file: str, schema: Schema, diags: Diagnostics) -> dict[str, Section]:
    """Sections PVE keeps, by id in file order (a later duplicate id replaces the earlier
    and takes the later position, as `$order` does). Never raises."""
    sections: dict[str, Section] = {}
    src = _Lines(text)
    while src:
        line = src.next()
        if _ends_block(line):
            continue
        assert line is not None
        header = _HEADER.match(line)
        if header is None:
            diags.warning(file, src.lineno, f"line ignored: not a section header and not "
                          f"inside a section: {_show(line)}")
            continue
        section = _read_section(header, src, file, schema, diags)
        if section is None:
            continue
        if section.id in sections:
            old = sections.pop(section.id)
            diags.warning(file, section.line, f"section '{section.id}' defined again (first at "
                          f"line {old.line}); Proxmox keeps only this later one")
        sections[section.id] = section
    return sections


def _read_section(header: re.Match[str], src: _Lines, file: str, schema: Schema,
                  diags: Diagnostics) -> Section | None:
    typ, sid = header.group(1), header.group(2)
    if schema.lower_type:
        typ = typ.lower()
    start = src.lineno
    skip = schema.check_id(typ, sid)
    if skip is None and typ not in schema.types:
        skip = f"unsupported type '{typ}'"
    if skip is not None:
        diags.warning(file, start, f"section '{sid}' skipped by Proxmox: {skip}")
    section = Section(typ, sid, start)
    while not _ends_block(line := src.next()):
        assert line is not None
        if skip is not None:
            continue  # PVE consumes the skipped section's lines without looking at them
        _read_property(line, src.lineno, section, file, schema, diags)
    return None if skip is not None else section


def _read_property(line: str, lineno: int, section: Section, file: str, schema: Schema,
                   diags: Diagnostics) -> None:
    m = _PROPERTY.match(line)
    if m is None:
        what = ("whitespace-only line does not end the section (only an empty line does)"
                if line.strip() == "" else
                "a property line must start with whitespace; a header here is swallowed "
                "because the previous section was not ended by an empty line"
                if _HEADER.match(line) else "not a property line")
        diags.warning(file, lineno, f"section '{section.id}': line ignored: {what}: "
                      f"{_show(line)}")
        return
    key, raw = m.group(1), m.group(2)
    # COM SectionConfig.pm: the duplicate test comes before value checking, so a first
    # value that was dropped as invalid does not block a later valid one.
    if key in section.props:
        diags.error(file, lineno, f"section '{section.id}': duplicate key '{key}' (first at "
                    f"line {section.props[key].line}); Proxmox keeps the first value")
        return
    value, problem = schema.check_value(section.type, key, raw)
    if problem is not None or value is None:
        diags.warning(file, lineno, f"section '{section.id}': '{key}' dropped by Proxmox: "
                      f"{problem or 'missing value'}")
        return
    section.props[key] = Prop(value, lineno)


def _show(line: str) -> str:
    """A line as shown in messages: control characters made visible, length bounded."""
    shown = line.replace("\r", "\\r").replace("\t", "\\t")
    return repr(shown[:80] + ("…" if len(shown) > 80 else ""))


# -- value helpers shared by the format modules ---------------------------------------

def check_boolean(raw: str | None) -> tuple[str | None, str | None]:
    """COM JSONSchema.pm check_type: a schema boolean accepts exactly "1" or "0" (the
    yes/on/true spellings are commented out there); a bare key means 1."""
    if raw is None:
        return "1", None
    if raw in ("0", "1"):
        return raw, None
    return None, f"'{raw}' is not a boolean (Proxmox accepts 0 or 1)"


def check_integer(raw: str | None) -> tuple[str | None, str | None]:
    if raw is None:
        return None, "missing value"
    if re.fullmatch(r"[+-]?\d+", raw):
        return raw, None
    return None, f"'{raw}' is not an integer"


def check_string(raw: str | None) -> tuple[str | None, str | None]:
    if raw is None:
        return None, "missing value"
    return raw, None
