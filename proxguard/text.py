"""One printable line from any text: the escaping every output shares.

A config may carry terminal escape sequences, line separators or undecodable bytes. Every
place that shows such a value on one line (reports, CLI messages, loose-file names, the
shell environment's $'…' quoting) writes each non-printable character as `\\xHH` of its
UTF-8 bytes. It lives at the bottom of the layers so inputs, rules and renderers can all
call the same function.
"""

from __future__ import annotations


def is_printable(ch: str) -> bool:
    """Printable and not a line separator (U+2028/2029 break lines in some viewers)."""
    return ch.isprintable() and ch not in "\u2028\u2029"


def escape_bytes(ch: str) -> str:
    """One character as `\\xHH` escapes of its UTF-8 bytes (also used for shell $'…')."""
    try:
        data = ch.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (an undecodable input byte)
        data = ch.encode("utf-8", "surrogateescape") if "\udc80" <= ch <= "\udcff" \
            else ch.encode("utf-8", "surrogatepass")
    return "".join(f"\\x{b:02x}" for b in data)


def printable(value: object) -> str:
    """`value` on one line with every non-printable character written as `\\xHH`."""
    text = str(value)
    # the same test as is_printable() per character, done by str in C: a text report
    # passes every string of the report through here (~30 million characters at
    # 100,000 firewall rules)
    if text.isprintable() and "\u2028" not in text and "\u2029" not in text:
        return text
    return "".join(c if is_printable(c) else escape_bytes(c) for c in text)
