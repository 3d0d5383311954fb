"""Raw bytes inside an HTML page: the single file's binary-to-text encoding.

Why: base64 costs a third more bytes, and the single file (runtime, stdlib and the start-up
snapshot) must stay under 20 MB. The single file is written in UTF-16LE with a byte order
mark: every two bytes of a block are one UTF-16 code unit, i.e. one character of the
block's text, so an inert <script> block carries the bytes themselves and the page reads
them back from its text. The BOM decides the encoding before anything else (a server's
charset header or a <meta> cannot override it), and a UTF-16 page keeps every character
of the page's own HTML, scripts and styles as it is.

Inside script data the page's decoder and parser change or stop at only these units: the
lone surrogates D800-DFFF (the UTF-16 decoder turns a lone one into U+FFFD), NUL (U+FFFD),
CR (CR and CR LF become LF) and '<' (the start of "</script" or "<!--"). Those and the
escape unit itself are written as ESC followed by the unit XOR 0x3800 (D800-DFFF become
E000-E7FF, the four others 38xx): 2,052 of 65,536 units, so ~3 % more on compressed data.
An odd-length file gets one zero byte of padding; `data-size` says where the bytes end.

Measured first (docs/performance.md): a windows-1252 page, one byte per character, was
smaller still (1.6 % overhead) but Chromium parses non-ASCII single-byte text 2-3 times
slower per byte than ASCII; a UTF-16 page parses at the speed of base64.

web/boot.js holds the decoder (`decodeBytes`).
"""

from __future__ import annotations

import codecs

BOM = codecs.BOM_UTF16_LE
ESC = 0x001B
_FLIP = 0x3800
_SPECIAL = (0x0000, 0x000D, 0x003C, ESC, *range(0xD800, 0xE000))
_ESCAPE = {u: chr(ESC) + chr(u ^ _FLIP) for u in _SPECIAL}


def encode(data: bytes) -> str:
    """The text to put between <script ...> and </script> of the UTF-16 page."""
    if len(data) % 2:
        data += b"\0"
    return data.decode("utf-16-le", errors="surrogatepass").translate(_ESCAPE)


def decode(text: str, size: int) -> bytes:
    """Inverse of `encode` (web/boot.js does the same on the block's text)."""
    units = bytearray()
    at = 0
    while (esc := text.find(chr(ESC), at)) >= 0:
        units += text[at:esc].encode("utf-16-le", errors="surrogatepass")
        unit = ord(text[esc + 1]) ^ _FLIP
        if unit not in _ESCAPE:
            raise ValueError(f"invalid escape at character {esc}")
        units += unit.to_bytes(2, "little")
        at = esc + 2
    units += text[at:].encode("utf-16-le", errors="surrogatepass")
    if len(units) not in (size, size + 1):
        raise ValueError(f"{len(units)} bytes where {size} were packed")
    return bytes(units[:size])


def page(html: str) -> bytes:
    """The page's bytes: UTF-16LE after a BOM (the blocks hold no lone surrogate)."""
    return BOM + html.encode("utf-16-le")


def read_page(data: bytes) -> str:
    """The text a browser reads from `page`'s bytes (tests use it)."""
    if not data.startswith(BOM):
        raise ValueError("not a UTF-16LE page: no byte order mark")
    return data[len(BOM):].decode("utf-16-le")
