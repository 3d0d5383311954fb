"""Per-keyword checks that go beyond the keyword table's kinds: algorithm lists and
MaxStartups, whose lines sshd validates (and, for MaxStartups, combines) in its own way.

Found with the sshd differential suite and `sshd -T` probes on Debian 12's 9.2p1:
- `Ciphers`/`MACs`/`KexAlgorithms`/`HostKeyAlgorithms`/`PubkeyAcceptedAlgorithms`: an
  unknown name in a plain, `+` or `^` list makes sshd refuse to start; `-` lists are not
  checked (servconf.c; names in proxguard/model/sshd_algos.py).
- `MaxStartups` is read with sscanf("%d:%d:%d") straight into the options, so it is the
  one keyword where a LATER line wins, and a later `N` keeps an earlier rate
  (`MaxStartups 5:50:20` then `MaxStartups 7` → 7:50:7); `a:b` (two numbers), a start
  above full, a rate outside 1..100 or a value ≤ 0 is refused.
"""

from __future__ import annotations

import re

from proxguard.model.sshd_algos import ALGORITHM_KEYWORDS, spec_problem

_INT = re.compile(r"\s*([+-]?\d+)")
_INT_MAX = 2**31 - 1


def line_problem(keyword: str, args: list[str], version: tuple[int, int]) -> str:
    """Why sshd refuses this line ("" when it accepts it)."""
    if keyword in ALGORITHM_KEYWORDS and args:
        return spec_problem(keyword, args[0], version)
    return ""


def _sscanf_ints(text: str) -> list[int]:
    """The numbers sscanf("%d:%d:%d") converts before the first mismatch."""
    out: list[int] = []
    pos = 0
    while len(out) < 3:
        m = _INT.match(text, pos)
        if m is None:
            break
        value = int(m.group(1))
        out.append(max(-_INT_MAX - 1, min(_INT_MAX, value)))
        pos = m.end()
        if len(out) < 3:
            if text[pos:pos + 1] != ":":
                break
            pos += 1
    return out


class StartupsState:
    """MaxStartups as sshd accumulates it over the start-up pass: (start, rate, full),
    None where no line set it yet (the defaults are 10, 30, 100)."""

    def __init__(self) -> None:
        self.begin: int | None = None
        self.rate: int | None = None
        self.full: int | None = None

    def apply(self, arg: str) -> str | None:
        """Apply one line's argument; returns the combined value `start:rate:full` or
        None when sshd refuses the line (the state is then left unchanged)."""
        nums = _sscanf_ints(arg)
        if len(nums) == 3:
            begin, rate, full = nums
            if begin > full or rate > 100 or rate < 1:
                return None
        elif len(nums) == 1:
            begin, rate, full = nums[0], self.rate, nums[0]
        else:
            return None
        if full <= 0 or begin <= 0:
            return None
        self.begin, self.rate, self.full = begin, rate, full
        return f"{begin}:{30 if rate is None else rate}:{full}"
