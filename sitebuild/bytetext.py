"""Raw bytes inside an HTML page: the single file's binary-to-text encoding.

Why: base64 costs a third more bytes, and the single file (runtime, stdlib, wheels and the
start-up snapshot) must stay under 20 MB. A page whose charset is windows-1252 decodes every
byte to exactly one character (the WHATWG index defines all 256 bytes; 0x81, 0x8D, 0x8F,
0x90 and 0x9D map to U+0081 ... U+009D), so an inert <script> block can carry the bytes
themselves, and the page maps each character back to its byte. Inside script data the HTML
parser changes or ends on only: NUL (becomes U+FFFD), CR (CR and CR LF become LF) and '<'
(the start of "</script" or "<!--"); those and the escape byte itself are written as ESC
followed by the byte XOR 0x40, about 1.6 % more on compressed data (4 bytes of 256).

The price: every other character of the page must be ASCII, because only ASCII means the
same in windows-1252 and in the UTF-8 the sources are written in. `html`, `js` and `css`
turn non-ASCII into character references and escapes; `ascii_or_fail` is the build's last
check. web/boot.js holds the decoder (`decodeBytes`).
"""

from __future__ import annotations

import re

CHARSET = "windows-1252"
ESC = 0x1B
# The bytes the parser would change (or end the block on), escaped as ESC, byte ^ 0x40;
# ESC first, so the escapes written for the others are not escaped again.
_SPECIAL = (ESC, 0x00, 0x0D, 0x3C)

# WHATWG index-windows-1252 for 0x80-0x9F (the rest of the bytes are their own code point);
# Python's cp1252 leaves the five undefined bytes undefined, the web maps them to U+0081...
HIGH = tuple(ord(bytes([b]).decode("cp1252", errors="ignore") or chr(b)) for b in range(0x80, 0xA0))
_TO_PAGE = {0x80 + i: c for i, c in enumerate(HIGH)}


def encode(data: bytes) -> bytes:
    """The bytes to put between <script ...> and </script> of a windows-1252 page."""
    for b in _SPECIAL:
        data = data.replace(bytes([b]), bytes([ESC, b ^ 0x40]))
    return data


def decode(data: bytes) -> bytes:
    """Inverse of `encode` (the page does the same on the decoded characters)."""
    out = bytearray()
    at = 0
    while (esc := data.find(bytes([ESC]), at)) >= 0:
        out += data[at:esc]
        code = data[esc + 1] ^ 0x40
        if code not in _SPECIAL:
            raise ValueError(f"invalid escape at byte {esc}")
        out.append(code)
        at = esc + 2
    out += data[at:]
    return bytes(out)


def page_text(html: bytes) -> str:
    """What a browser reads from these bytes as a windows-1252 page (tests use it)."""
    return html.decode("latin-1").translate(_TO_PAGE)


def _refuse_escaped(text: str, kind: str) -> None:
    # "\é" would become "\\u00e9" (a backslash, then text): refuse rather than guess.
    if (m := re.search(r"\\[^\x00-\x7f]", text)) is not None:
        raise ValueError(f"{kind}: a backslash before a non-ASCII character at {m.start()}")


def js(text: str) -> str:
    """JavaScript with every non-ASCII character as \\uXXXX (UTF-16 units: astral
    characters become surrogate pairs, which strings, regexes and templates accept)."""
    _refuse_escaped(text, "JavaScript")

    def units(m: re.Match[str]) -> str:
        raw = m.group(0).encode("utf-16-be")
        return "".join(f"\\u{int.from_bytes(raw[i:i + 2], 'big'):04x}" for i in range(0, len(raw), 2))

    return re.sub(r"[^\x00-\x7f]", units, text)


def css(text: str) -> str:
    """CSS with every non-ASCII character as a hex escape ended by a space."""
    _refuse_escaped(text, "CSS")
    return re.sub(r"[^\x00-\x7f]", lambda m: f"\\{ord(m.group(0)):x} ", text)


_RAW_TEXT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)


def html(text: str) -> str:
    """HTML with every non-ASCII character outside script and style as a character
    reference; a script or style element of the page holding non-ASCII is refused (its
    text is not parsed for references, so escaping it there would change it)."""
    out, at = [], 0
    for m in _RAW_TEXT.finditer(text):
        out.append(text[at:m.start()])
        if re.search(r"[^\x00-\x7f]", m.group(0)):
            raise ValueError(f"inline <{m.group(1)}> of the page holds non-ASCII text")
        out.append(m.group(0))
        at = m.end()
    out.append(text[at:])
    return re.sub(r"[^\x00-\x7f]", lambda m: f"&#x{ord(m.group(0)):x};", "".join(out))


def ascii_or_fail(text: str, what: str) -> bytes:
    """`text` as bytes, or a ValueError naming the first non-ASCII character and where."""
    if (m := re.search(r"[^\x00-\x7f]", text)) is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise ValueError(f"{what}: non-ASCII {m.group(0)!r} (U+{ord(m.group(0)):04X}) on line "
                         f"{line}; everything outside the binary blocks must be ASCII")
    return text.encode("ascii")
