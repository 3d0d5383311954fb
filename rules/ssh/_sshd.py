"""What the four SSH rules share: evidence wording, Match-block targets, remediation scripts.

The rules differ only in which keywords they read and what counts as weak; how a value is
cited, how a Match block becomes a conditional target and how the drop-in fix is written
must be the same everywhere, so it lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from proxguard.model.sshd import MatchBlock, Setting, SshdConfig
from proxguard.model.sshd_match import match_pattern_list
from proxguard.rule import Severity, TargetResult, failed

DROPIN = "/etc/ssh/sshd_config.d/00-proxguard.conf"


def cite(s: Setting) -> str:
    """`PermitRootLogin yes (etc/ssh/sshd_config:32)`; defaults say so."""
    if s.default:
        return f"{s.keyword} {s.value} (default, no line sets it)"
    origin = "sshd -T" if s.source == "sshd-T" else "first value wins"
    return f"{s.keyword} {s.value} ({s.file}:{s.line}, {origin})"


def loc(cfg: SshdConfig, s: Setting) -> tuple[str | None, int]:
    """Where a verdict points: the deciding line, or for a default (no line sets the
    keyword) the main configuration file as a whole (line 0), so every finding has a file."""
    if s.file:
        return s.file, s.line
    return (cfg.files[0] if cfg.files else None), 0


def notes(cfg: SshdConfig) -> str:
    """Caveats appended to every SSH evidence sentence."""
    out = []
    if not cfg.complete:
        out.append("configuration incomplete: Include " + ", ".join(cfg.missing_includes)
                   + " not supplied")
    if cfg.refused:
        out.append("sshd would refuse to start with these files (see diagnostics)")
    return ("; " + "; ".join(out)) if out else ""


def block_target(block: MatchBlock) -> str:
    return f"host/match/{block.file}:{block.line}"


def block_value(cfg: SshdConfig, block: MatchBlock, keyword: str) -> Setting:
    """The value a connection matching `block` gets for `keyword`, counting the block's
    enclosing blocks, then the start-up value."""
    b: MatchBlock | None = block
    while b is not None:
        if keyword in b.settings:
            return b.settings[keyword]
        b = b.outer
    return cfg.effective(keyword)


def can_match_user(block: MatchBlock, user: str) -> bool:
    """Could a login as `user` fall under this block? (False for `Match User alice`.)"""
    b: MatchBlock | None = block
    while b is not None:
        for c in b.criteria:
            if c.attribute == "user" and match_pattern_list(user, c.patterns) != 1:
                return False
        b = b.outer
    return True


def conditional_failures(cfg: SshdConfig, keywords: Iterable[str],
                         weak: Callable[[Callable[[str], Setting]], str | None],
                         facts: Callable[[MatchBlock, str], dict[str, object]],
                         user: str | None = None,
                         severity: Severity | None = None) -> list[TargetResult]:
    """One conditional FAIL per Match block (not `Match All`) that makes a weak
    combination for the connections it matches. `weak(get)` returns the evidence text
    when the values `get(keyword)` are weak, else None."""
    out = []
    for block in cfg.match_blocks:
        if block.is_all or not any(k in _chain_settings(block) for k in keywords):
            continue
        if user is not None and not can_match_user(block, user):
            continue
        why = weak(lambda k, b=block: block_value(cfg, b, k))  # type: ignore[misc]
        if why is None:
            continue
        first = next(block_value(cfg, block, k) for k in keywords
                     if k in _chain_settings(block))
        out.append(failed(block_target(block), f"for connections matching {block.label} "
                          f"({block.file}:{block.line}): {why}{notes(cfg)}",
                          first.file, first.line, conditional=block.label, severity=severity,
                          **facts(block, first.keyword), file_path=first.file or "",
                          line_no=first.line))
    return out


def _chain_settings(block: MatchBlock) -> dict[str, Setting]:
    merged: dict[str, Setting] = {}
    b: MatchBlock | None = block
    while b is not None:
        for k, v in b.settings.items():
            merged.setdefault(k, v)
        b = b.outer
    return merged


# Bash shared by the drop-in scripts: backups with one stamp, restore on failure, and the
# Include that makes sshd read sshd_config.d/ first (Debian ships it as line 1; a main file
# without it would never see the drop-in). Files change only through commands (cp, mv,
# install, sed -i), never a redirection, so the fix-all dry run can intercept every change.
# Only the drop-in scripts ask whether the drop-in already holds their lines.
ALREADY = r"""first_value() {
    # $1: keyword; the first line of the drop-in that sets it, as "keyword value" in
    # lower case (sshd keeps the first value it reads; keywords are case-insensitive)
    grep -Ei "^[[:space:]]*$1([[:space:]]|=)" "$CONF" 2>/dev/null | head -n 1 \
        | tr '[:upper:]\t=' '[:lower:]  ' | tr -s ' ' | sed -e 's/^ //' -e 's/ $//'
}
dropin_has() {
    # $1: lines "Keyword value"; true when the drop-in already sets each one first
    [ -f "$CONF" ] || return 1
    printf '%s\n' "$1" | while IFS= read -r want; do
        [ "$(first_value "${want%% *}")" = "$(printf '%s' "$want" | tr '[:upper:]' '[:lower:]')" ] || exit 1
    done
}"""

PRELUDE = r"""ROOT="${PROXGUARD_ROOT:-}"
MAIN="$ROOT/etc/ssh/sshd_config"
DROPINS="$ROOT/etc/ssh/sshd_config.d"
CONF="$DROPINS/00-proxguard.conf"
STAMP="$(date +%Y%m%d%H%M%S)"
BACKUPS=""
CREATED=""
backup() {
    case " $BACKUPS " in *" $1 "*) return 0 ;; esac
    cp -p "$1" "$1.proxguard-$STAMP.bak"
    BACKUPS="$BACKUPS $1"
}
restore() {
    # the copies go back in place, so a rejected change leaves no trace
    for f in $BACKUPS; do mv -f "$f.proxguard-$STAMP.bak" "$f"; done
    if [ -n "$CREATED" ]; then rm -f "$CREATED"; fi
}
include_ok() {
    [ ! -f "$MAIN" ] || grep -Eiq '^[[:space:]]*Include[[:space:]=]+.*sshd_config\.d/\*\.conf' "$MAIN"
}
ensure_include() {
    if ! include_ok; then
        echo "adding 'Include /etc/ssh/sshd_config.d/*.conf' as the first line of $MAIN"
        backup "$MAIN"
        TMP="$(mktemp)"
        echo "Include /etc/ssh/sshd_config.d/*.conf" > "$TMP"
        cat "$MAIN" >> "$TMP"
        install -m 0644 "$TMP" "$MAIN"
        rm -f "$TMP"
    fi
}
prepend_dropin() {
    # $1: lines to put first; $2: keywords whose earlier lines in the drop-in are replaced
    mkdir -p "$(dirname "$CONF")"
    if [ -f "$CONF" ]; then backup "$CONF"; else CREATED="$CONF"; fi
    TMP="$(mktemp)"
    {
        printf '%s\n' "$1"
        if [ -f "$CONF" ]; then
            grep -Eiv "^[[:space:]]*($(echo "$2" | tr ' ' '|'))([[:space:]]|=)" "$CONF" || true
        fi
    } > "$TMP"
    install -m 0644 "$TMP" "$CONF"
    rm -f "$TMP"
}
validate_and_reload() {
    # $1: keywords to show afterwards
    # Always validate: `sshd -t` only reads. Caveat: with a root prefix, sshd still follows
    # the absolute Include paths of the main file, so a real sshd checks the prefixed main
    # file together with the live host's /etc/ssh/sshd_config.d, not the prefixed drop-ins.
    if [ -n "$ROOT" ]; then
        echo "Note: PROXGUARD_ROOT is set; sshd -t reads $MAIN, but its Include lines"
        echo "  point at the live /etc/ssh/sshd_config.d, which is what a real sshd validates."
    fi
    if ! sshd -t -f "$MAIN"; then
        echo "sshd -t rejected the configuration; restoring the previous files." >&2
        restore
        exit 1
    fi
    if [ -n "$ROOT" ] && [ "${PROXGUARD_RELOAD:-0}" != "1" ]; then
        echo "Configuration valid. Not reloading sshd for files under $ROOT (PROXGUARD_RELOAD=1 would)."
        return 0
    fi
    systemctl reload ssh
    echo "sshd reloaded; effective values now:"
    sshd -T 2>/dev/null | grep -Ei "^($(echo "$1" | tr ' ' '|')) " || true
}"""


def dropin_script(title: str, change: str, disruption: str, lines: str,
                  keywords: str) -> str:
    """A Jinja2 bash template that puts `lines` (Jinja text, one `Keyword value` per line)
    first in the ProxGuard drop-in, validates with `sshd -t`, reloads, and restores every
    edited file when validation fails. `keywords` lists (space-separated) the keywords
    whose earlier lines in the drop-in are replaced. When the drop-in already sets every
    line first, the script says so and changes nothing (a second run is inert)."""
    return f"""\
#!/usr/bin/env bash
# ProxGuard remediation: {title}
# What it changes: {change}
#   The lines go first in {DROPIN}: Debian's sshd_config includes
#   sshd_config.d/*.conf before its own settings and sshd keeps the first value it reads
#   (the Include is added as line 1 of /etc/ssh/sshd_config if it is missing; a drop-in
#   whose name sorts before 00-proxguard.conf would still win, the script shows the result).
# Disruption: {disruption}
# Undo: delete the lines from {DROPIN} (or restore the .bak copies next to
#   the edited files), then run `sshd -t && systemctl reload ssh`.
#   Under PROXGUARD_ROOT the files are validated but sshd is not reloaded unless
#   PROXGUARD_RELOAD=1.
set -eu

{PRELUDE}
{ALREADY}

if include_ok && dropin_has "{lines}"; then
    echo "$CONF already sets these first; nothing to do:"
    printf '  %s\\n' "{lines}"
    exit 0
fi
ensure_include
prepend_dropin "{lines}" "{keywords}"
validate_and_reload "{keywords}"
"""


MATCH_FIX = """\
#!/usr/bin/env bash
# ProxGuard remediation: {{ facts.keyword }} inside {{ target.conditional }}
# What it changes: comments out line {{ facts.line_no }} of /{{ facts.file_path }}
#   ({{ facts.keyword }} in that Match block), so connections it matches get the global value.
# Disruption: none for open sessions; new matching logins lose what the line allowed.
# Undo: restore the .bak copy made next to the file, then `sshd -t && systemctl reload ssh`.
#   Under PROXGUARD_ROOT the file is validated but sshd is not reloaded unless
#   PROXGUARD_RELOAD=1.
set -eu

ROOT="${PROXGUARD_ROOT:-}"
FILE="$ROOT/{{ facts.file_path }}"
LINE={{ facts.line_no }}
if ! sed -n "${LINE}p" "$FILE" | grep -Eiq '^[[:space:]]*{{ facts.keyword }}([[:space:]]|=)'; then
    echo "line $LINE of $FILE no longer sets {{ facts.keyword }}; nothing to do."
    exit 0
fi
BACKUP="$FILE.proxguard-$(date +%Y%m%d%H%M%S).bak"
cp -p "$FILE" "$BACKUP"
sed -i "${LINE}s/^/# disabled by proxguard: /" "$FILE"
# sshd -t only reads; with a root prefix a real sshd follows the main file's absolute
# Include paths into the live /etc/ssh/sshd_config.d (the caveat is printed).
if [ -n "$ROOT" ]; then
    echo "Note: PROXGUARD_ROOT is set; a real sshd -t follows Include into the live /etc/ssh."
fi
if ! sshd -t -f "$ROOT/etc/ssh/sshd_config"; then
    echo "sshd -t rejected the configuration; restoring $FILE." >&2
    mv -f "$BACKUP" "$FILE"
    exit 1
fi
if [ -n "$ROOT" ] && [ "${PROXGUARD_RELOAD:-0}" != "1" ]; then
    echo "Configuration valid. Not reloading sshd for files under $ROOT (PROXGUARD_RELOAD=1 would)."
    exit 0
fi
systemctl reload ssh
"""


def either(global_tpl: str) -> str:
    """Template that uses the Match-line fix for conditional targets."""
    return ("{% if target.conditional and not facts.get('global_fix') %}" + MATCH_FIX + "{% else %}"
            + global_tpl
            + "{% endif %}")
