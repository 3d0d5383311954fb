"""Reads sshd_config (with its Includes and Match blocks) and `sshd -T` output.

The walk follows sshd's reading order exactly (formats.md §6.1-6.3): Include expands in
place, in lexical order, relative paths against /etc/ssh; a Match lasts until the next
Match or the end of the file it is in; an included file cannot change its includer's
Match state. Every line sshd would reject gets an error diagnostic at that line and the
walk goes on, so one bad line never hides the rest of the audit.
"""

from __future__ import annotations

import re

from proxguard.diagnostics import Diagnostics
from proxguard.inputs import PVEVERSION, SSHD_CONFIG, SSHD_T, InputFile, Snapshot, limits
from proxguard.model.sshd import (
    DEFAULTS,
    V9_2,
    V10_0,
    Criterion,
    MatchBlock,
    Occurrence,
    SshdConfig,
)
from proxguard.model.sshd_algos import ALGORITHM_KEYWORDS, resolve, table
from proxguard.model.sshd_login import pattern_problem
from proxguard.model.sshd_match import address_list_valid
from proxguard.parsers import sshd_checks, sshd_values
from proxguard.parsers.sshd_keywords import MATCH_CRITERIA, SERVICES, allowed_in_match, lookup
from proxguard.parsers.sshd_lex import argv_split, clean_line, strdelim, strtonum

MAIN = "etc/ssh/sshd_config"
SSHD_T_PATH = "commands/sshd-T.txt"
MAX_DEPTH = 16  # servconf.c SERVCONF_MAX_DEPTH
_REFUSE = "sshd would refuse to start"


def load(snapshot: Snapshot, diags: Diagnostics,
         version: tuple[int, int] | None = None) -> SshdConfig | None:
    """The sshd model, or None when neither sshd_config nor `sshd -T` output was given.
    `version` forces the OpenSSH version (else pveversion decides, else 9.2p1)."""
    main = snapshot.get(MAIN)
    # only the collector's file: an included config whose lines happen to be lower-case
    # looks like `sshd -T` output to content detection, but it is still a config file
    t_files = [f for f in snapshot.of_kind(SSHD_T) if f.path.startswith("commands/")]
    if main is None and not t_files:
        if snapshot.of_kind(SSHD_CONFIG):
            diags.info(snapshot.of_kind(SSHD_CONFIG)[0].path, 0,
                       "sshd_config.d drop-ins without /etc/ssh/sshd_config: sshd reads them "
                       "only through an Include in the main file; SSH not assessed")
        return None
    ver, basis = _version(snapshot, version)
    cfg = SshdConfig(version=ver, version_basis=basis)
    if main is not None:
        try:
            _Walker(snapshot, diags, cfg).walk(main, None, 0)
        except _LineCap:
            diags.error(MAIN, 0, f"more than {limits.MAX_SSHD_LINES} configuration lines "
                        "processed with Includes expanded (cap on sshd configuration lines); "
                        "SSH not assessed")
            return None
        _check_satisfiable(cfg, diags)
        _check_algorithms(cfg, diags)
    if t_files:
        cfg.sshd_t = parse_sshd_t(t_files[0], diags)
        cfg.source = "both" if main is not None else "sshd-T"
    return cfg


def _version(snapshot: Snapshot, forced: tuple[int, int] | None) -> tuple[tuple[int, int], str]:
    if forced is not None:
        return forced, f"given: OpenSSH {forced[0]}.{forced[1]}"
    for f in snapshot.of_kind(PVEVERSION):
        m = re.search(r"pve-manager/(\d+)\.", f.text)
        if m:
            major = int(m.group(1))
            if major >= 9:
                return V10_0, f"pve-manager/{major} in {f.path} → Debian 13, OpenSSH 10.0p1"
            return V9_2, f"pve-manager/{major} in {f.path} → Debian 12, OpenSSH 9.2p1"
    return V9_2, "default (Debian 12, OpenSSH 9.2p1)"


class _LineCap(Exception):
    """More configuration lines than limits.MAX_SSHD_LINES, Includes expanded."""


class _Walker:
    """One pass over the configuration tree in sshd's reading order.

    sshd bounds Include only by depth, so a drop-in that includes its own directory fans
    out exponentially (2 files: 65,536 walks; 3: never ends). The walk is bounded three
    ways: a file already on the include stack is a cycle, which sshd can only end at its
    depth limit, so it is reported there at once; a file already walked from the same
    Include line in the same Match context adds nothing (first value wins) and is not
    walked again; and the total number of lines is capped. Diagnostics are emitted once
    per (file, line, message)."""

    def __init__(self, snapshot: Snapshot, diags: Diagnostics, cfg: SshdConfig) -> None:
        self.snapshot, self.diags, self.cfg = snapshot, diags, cfg
        self.subsystems: set[str] = set()
        self.am_set = False
        self.startups = sshd_checks.StartupsState()
        self.stack: list[str] = []
        self.walked: set[tuple[str, int, str, int]] = set()
        self.said: set[tuple[str, int, str]] = set()
        self.lines = 0

    def error(self, f: InputFile, line: int, msg: str) -> None:
        self.cfg.refused = True
        if (f.path, line, msg) not in self.said:
            self.said.add((f.path, line, msg))
            self.diags.error(f.path, line, f"{msg} ({_REFUSE})")

    def walk(self, f: InputFile, outer: MatchBlock | None, depth: int) -> None:
        if f.path not in self.cfg.files:
            self.cfg.files.append(f.path)
        block = outer
        self.stack.append(f.path)
        for number, raw in enumerate(f.text.split("\n"), start=1):
            self.lines += 1
            if self.lines > limits.MAX_SSHD_LINES:
                raise _LineCap
            block = self.line(f, number, raw, outer, block, depth)
        self.stack.pop()

    def line(self, f: InputFile, n: int, raw: str, outer: MatchBlock | None,
             block: MatchBlock | None, depth: int) -> MatchBlock | None:
        """Process one line; returns the Match block in force after it."""
        text = clean_line(raw)
        if not text:
            return block
        word, rest = strdelim(text)
        if word == "":
            word, rest = strdelim(rest)
        if not word or word.startswith("#"):
            return block
        if rest is None or rest == "":
            self.error(f, n, f'no argument after keyword "{word}"')
            return block
        kw = lookup(word, self.cfg.version)
        if kw is None:
            self.error(f, n, f"Bad configuration option: {word}")
            return block
        args = argv_split(rest)
        if args is None:
            self.error(f, n, "invalid quotes")
            return block
        active_at_start = block is None or block.is_all
        if not active_at_start and not allowed_in_match(word, self.cfg.version):
            self.error(f, n, f"Directive '{kw.name}' is not allowed within a Match block")
            return block
        if kw.kind == "match":
            return self.match(f, n, rest, args, outer) or block
        if kw.kind == "include":
            self.include(f, n, args, block, depth)
            return block
        value = sshd_values.parse(kw, args, self.cfg.version)
        if isinstance(value, sshd_values.Invalid):
            self.error(f, n, f"{kw.name}: {value.message}")
            return block
        if kw.name in ("AllowUsers", "DenyUsers"):
            problem = next((p for a in args if (p := pattern_problem(a, self.cfg.version))), "")
            if problem:
                self.error(f, n, f"{kw.name}: {problem}")
                return block
        if kw.name == "AuthenticationMethods":
            problem = self.auth_methods(args, active_at_start)
            if problem:
                self.error(f, n, problem)
                return block
        problem = sshd_checks.line_problem(kw.name, args, self.cfg.version)
        if problem:
            self.error(f, n, problem)
            return block
        if kw.name == "MaxStartups":
            combined = self.startups.apply(args[0])
            if combined is None:
                self.error(f, n, "Invalid MaxStartups spec")
                return block
            value = sshd_values.Value(combined, tuple(args))
        if kw.kind == "subsystem" and active_at_start:
            if value.args[0] in self.subsystems:
                self.error(f, n, f"Subsystem '{value.args[0]}' already defined")
                return block
            self.subsystems.add(value.args[0])
        setting = value.setting(kw.name, f.path, n)
        if block is not None and not allowed_in_match(word, self.cfg.version):
            # a global-only keyword inside `Match All` acts at start-up only; the
            # per-connection pass never copies it (servconf.c copy_set_server_options;
            # found by the sshd differential test: UsePAM)
            self.cfg.occurrences.append(Occurrence(setting, None))
            return block
        self.cfg.occurrences.append(Occurrence(setting, block))
        if block is not None:
            block.settings.setdefault(kw.name, setting)
        return block

    def auth_methods(self, args: list[str], active: bool) -> str:
        """servconf.c sAuthenticationMethods: known methods only, and `any` must stand
        alone and may not follow a list already set at start-up."""
        for i, arg in enumerate(args):
            if arg == "any":
                if self.am_set or i > 0:
                    return '"any" must appear alone in AuthenticationMethods'
            elif "any" in args[:i] or any(m.split(":", 1)[0] not in AUTH_METHODS
                                          for m in arg.split(",")):
                return "invalid AuthenticationMethods method list"
        if active:
            self.am_set = True
        return ""

    def match(self, f: InputFile, n: int, rest: str, args: list[str],
              outer: MatchBlock | None) -> MatchBlock | None:
        criteria, problem = parse_criteria(rest, self.cfg.version)
        if problem:
            self.error(f, n, f"Bad Match condition: {problem}")
            return None
        block = MatchBlock(tuple(criteria), "Match " + " ".join(args), f.path, n, outer)
        self.cfg.match_blocks.append(block)
        return block

    def include(self, f: InputFile, n: int, args: list[str], block: MatchBlock | None,
                depth: int) -> None:
        if not args:
            self.error(f, n, "Include missing filename argument")
            return
        for arg in args:
            if not arg:
                self.error(f, n, "Include: empty argument")
                return
            if arg.startswith("~"):
                self.incomplete(f, n, arg, "a path under a home directory is not collected")
                continue
            path = arg if arg.startswith("/") else "/etc/ssh/" + arg
            if depth + 1 > MAX_DEPTH:
                self.error(f, n, "Too many recursive configuration includes")
                return
            if not path.startswith("/etc/ssh/"):
                self.incomplete(f, n, arg, "only files under /etc/ssh/ are read")
                continue
            found = [g for g in self.snapshot.glob(path) if not _hidden_mismatch(path, g.path)]
            if not found and not any(c in path for c in "*?["):
                self.incomplete(f, n, arg, "it was not supplied")
            for target in found:
                self.include_one(f, n, target, block, depth)

    def include_one(self, f: InputFile, n: int, target: InputFile, block: MatchBlock | None,
                    depth: int) -> None:
        if target.path in self.stack:
            self.error(f, n, "Too many recursive configuration includes")
            return
        key = (f.path, n, target.path, id(block))
        if key in self.walked:
            return
        self.walked.add(key)
        self.walk(target, block, depth + 1)

    def incomplete(self, f: InputFile, n: int, arg: str, why: str) -> None:
        self.cfg.complete = False
        if arg not in self.cfg.missing_includes:
            self.cfg.missing_includes.append(arg)
        if (f.path, n, arg) in self.said:
            return
        self.said.add((f.path, n, arg))
        self.diags.info(f.path, n, f"Include {arg}: {why}; the SSH verdicts assume it sets "
                        "nothing (configuration incomplete)")


# auth2.c authmethods[] and the option enabling each; `none` can never be required.
AUTH_METHODS: dict[str, str | None] = {
    "none": None, "publickey": "PubkeyAuthentication", "gssapi-with-mic": "GSSAPIAuthentication",
    "password": "PasswordAuthentication", "keyboard-interactive": "KbdInteractiveAuthentication",
    "hostbased": "HostbasedAuthentication"}


def _check_satisfiable(cfg: SshdConfig, diags: Diagnostics) -> None:
    """sshd.c refuses to start when no AuthenticationMethods list can be completed with
    the methods enabled at start-up (e.g. `publickey,password` + `PasswordAuthentication no`)."""
    am = cfg.settings.get("AuthenticationMethods")
    if am is None or am.value == "any":
        return
    start = cfg.settings

    def enabled(method: str) -> bool:
        option = AUTH_METHODS.get(method.split(":", 1)[0])
        if option is None:
            return False
        s = start.get(option)
        return (s.value if s is not None else DEFAULTS.get(option, "no")) == "yes"

    if not any(all(enabled(m) for m in chain.split(",")) for chain in am.args):
        cfg.refused = True
        diags.error(am.file or "", am.line, "AuthenticationMethods cannot be satisfied by "
                    f"the enabled authentication methods ({_REFUSE})")


def _check_algorithms(cfg: SshdConfig, diags: Diagnostics) -> None:
    """servconf.c assemble_algorithms: sshd refuses to start when a start-up algorithm
    list expands to nothing or holds a `!` pattern (only `-` lists may negate)."""
    for keyword in ALGORITHM_KEYWORDS:
        s = cfg.settings.get(keyword)
        if s is not None and resolve(s.value, table(keyword, cfg.version)) is None:
            cfg.refused = True
            diags.error(s.file or "", s.line, f"{keyword}: the list names no supported "
                        f"algorithm or negates one outside a '-' list ({_REFUSE})")


def _hidden_mismatch(pattern: str, path: str) -> bool:
    """glob(3): a wildcard never matches a leading dot in a file name."""
    base = path.rsplit("/", 1)[-1]
    return base.startswith(".") and not pattern.rsplit("/", 1)[-1].startswith(".")


def parse_criteria(rest: str, version: tuple[int, int]) -> tuple[list[Criterion], str]:
    """Match criteria as servconf.c match_cfg_line reads them (strdelim tokens, so
    `User=bob` works); returns (criteria, problem) with problem "" when sshd accepts."""
    out: list[Criterion] = []
    cp: str | None = rest
    while True:
        attrib, cp = strdelim(cp)
        if attrib is None or attrib == "":
            break
        if attrib.startswith("#"):
            break
        name = attrib.lower()
        if name == "all":
            arg, cp = strdelim(cp)
            if out or (arg and not arg.startswith("#")):
                return out, "'all' cannot be combined with other Match attributes"
            return [Criterion("all", "")], ""
        arg, cp = strdelim(cp)
        if not arg or arg.startswith("#"):
            return out, f"Missing Match criteria for {attrib}"
        since = MATCH_CRITERIA.get(name)
        if since is None or since > version:
            return out, f"Unsupported Match attribute {attrib}"
        if name in ("address", "localaddress") and not address_list_valid(arg):
            return out, f"Invalid Match {name} argument '{arg}'"
        if name == "localport":
            port = strtonum(arg, 0, 65535)
            port = SERVICES.get(arg) if port is None else port
            if port is None:
                return out, f"Invalid LocalPort '{arg}' on Match line"
            arg = str(port)
        out.append(Criterion(name, arg))
    if not out:
        return out, "One or more attributes required for Match"
    return out, ""


def parse_sshd_t(f: InputFile, diags: Diagnostics) -> dict[str, list[sshd_values.Setting]]:
    """`sshd -T` output: `keyword value…` per line, lower-case canonical keywords,
    multi-valued keywords repeated (formats.md §6.5)."""
    out: dict[str, list[sshd_values.Setting]] = {}
    for n, raw in enumerate(f.text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        if not re.fullmatch(r"[a-z0-9]+", key) or not value.strip():
            diags.warning(f.path, n, "not an `sshd -T` line (expected `keyword value`); ignored")
            continue
        kw = lookup(key, V10_0)
        name = kw.name if kw is not None else key
        out.setdefault(key if kw is None else name.lower(), []).append(
            sshd_values.from_dump(name, value.strip(), f.path, n))
    return out
