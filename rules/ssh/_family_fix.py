"""Remediation templates of the sshd keyword families (rules/ssh/_keywords.py).

Every value that reaches the script (the drop-in lines, the keywords, a Match block's
file and lines) passes through the environment's `shquote` filter into a shell variable
and is only ever used quoted; the lines themselves come from fixed tables and the
version's algorithm names, never from the configuration's text. Kept in one small module
so it can move to the shared `*.sh.j2` templates as it is.
"""

from __future__ import annotations

from proxguard.rules.ssh._sshd import ALREADY, DROPIN, PRELUDE

# printed inside double quotes: no backticks, dollars or double quotes in it
MANUAL_TCP = ("TCP forwarding: on a single node add 'DisableForwarding yes' to "
              "/etc/ssh/sshd_config.d/00-proxguard.conf; on a cluster add it and then, at "
              "the END of /etc/ssh/sshd_config, a block 'Match User root Address' with your "
              "cluster network in CIDR form, followed by 'AllowTcpForwarding yes'; run "
              "'sshd -t' and 'systemctl reload ssh', then test a migration.")


# Lines elsewhere that would still beat the drop-in: a first-value-wins keyword set in a
# drop-in whose name sorts before 00-proxguard.conf (sshd reads the glob in order), and a
# last-line-wins keyword (MaxStartups, parsers/sshd_checks.py) set in any other file.
# The script comments those lines out (backed up, restored if `sshd -t` fails).
SHADOW_FUNCS = r"""beats_dropin() {
    # files whose lines setting keyword $1 would win over the drop-in's line
    last=0
    case " $LAST_WINS " in *" $1 "*) last=1 ;; esac
    for f in "$MAIN" "$DROPINS"/*.conf; do
        if [ ! -f "$f" ] || [ "$f" = "$CONF" ]; then
            continue
        fi
        if [ "$last" = 0 ]; then
            [ "$f" != "$MAIN" ] || continue
            [[ "$(basename "$f")" < "$(basename "$CONF")" ]] || continue
        fi
        if grep -Eiq "^[[:space:]]*$1([[:space:]]|=)" "$f"; then
            printf '%s\n' "$f"
        fi
    done
}
shadowed() {
    for kw in $KEYWORDS; do
        [ -z "$(beats_dropin "$kw")" ] || return 0
    done
    return 1
}
unshadow() {
    # no pipe into the loop: backup must record its files in this shell, for restore
    for kw in $KEYWORDS; do
        found="$(beats_dropin "$kw")"
        while IFS= read -r f; do
            [ -n "$f" ] || continue
            echo "commenting out $kw in $f (it would win over $CONF)"
            backup "$f"
            sed -i -E "s/^([[:space:]]*$kw([[:space:]]|=))/# disabled by proxguard: \1/I" "$f"
        done <<PROXGUARD_FILES
$found
PROXGUARD_FILES
    done
}"""


def dropin_template(title: str, change: str, disruption: str) -> str:
    """Puts `facts.lines` first in the ProxGuard drop-in (replacing earlier lines of
    `facts.keywords` there), validates with `sshd -t`, reloads, restores on failure; says
    "nothing to do" when the drop-in already sets every line first."""
    return f"""\
#!/usr/bin/env bash
# ProxGuard remediation: {title}
# What it changes: {change}
#   The lines go first in {DROPIN}: Debian's sshd_config includes
#   sshd_config.d/*.conf before its own settings and sshd keeps the first value it reads
#   (the Include is added as line 1 of /etc/ssh/sshd_config if it is missing).
# Disruption: {disruption}
# Undo: delete the lines from {DROPIN} (or restore the .bak copies next to
#   the edited files), then run `sshd -t && systemctl reload ssh`.
#   Under PROXGUARD_ROOT the files are validated but sshd is not reloaded unless
#   PROXGUARD_RELOAD=1.
set -eu

{PRELUDE}
{ALREADY}

LINES={{{{ facts.lines | shquote }}}}
KEYWORDS={{{{ facts.keywords | shquote }}}}
LAST_WINS={{{{ facts.last_wins | shquote }}}}
{SHADOW_FUNCS}
if include_ok && dropin_has "$LINES" && ! shadowed; then
    echo "$CONF already sets these first; nothing to do:"
    printf '  %s\\n' "$LINES"
    exit 0
fi
ensure_include
prepend_dropin "$LINES" "$KEYWORDS"
unshadow
validate_and_reload "$KEYWORDS"
"""


MATCH_TEMPLATE = """\
#!/usr/bin/env bash
# ProxGuard remediation: weak settings inside a Match block
# What it changes: comments out the block's lines named below, so the connections it
#   matches get the global values (which the global fix makes safe).
# Disruption: none for open sessions; new matching logins lose what the lines allowed.
# Undo: restore the .bak copy made next to the file, then `sshd -t && systemctl reload ssh`.
#   Under PROXGUARD_ROOT the file is validated but sshd is not reloaded unless
#   PROXGUARD_RELOAD=1.
set -eu

ROOT="${PROXGUARD_ROOT:-}"
FILE="$ROOT/"{{ facts.file_path | shquote }}
DISABLE={{ facts.disable | shquote }}
todo=""
for item in $DISABLE; do
    # item: LINE:Keyword (sshd's own keyword names, line numbers)
    line="${item%%:*}"
    kw="${item#*:}"
    if sed -n "${line}p" "$FILE" | grep -Eiq "^[[:space:]]*${kw}([[:space:]]|=)"; then
        todo="$todo $line"
    fi
done
if [ -z "$todo" ]; then
    echo "$FILE no longer sets these lines; nothing to do."
    exit 0
fi
BACKUP="$FILE.proxguard-$(date +%Y%m%d%H%M%S).bak"
cp -p "$FILE" "$BACKUP"
for line in $todo; do
    sed -i "${line}s/^/# disabled by proxguard: /" "$FILE"
done
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


def family_template(title: str, change: str, disruption: str) -> str:
    """The global drop-in fix for `host`, the Match-line fix for conditional targets."""
    return ("{% if target.conditional %}" + MATCH_TEMPLATE + "{% else %}"
            + dropin_template(title, change, disruption) + "{% endif %}")
