"""Shell shared by the storage remediation templates: where storage.cfg is, where its
backup goes, and how to read one storage's `options` line the way PVE does (the first
`options` line of the section wins), so a fix can check the current state before acting."""

STORAGE_OPTIONS_SH = """\
STORAGE_CFG="${PROXGUARD_ROOT:-}/etc/pve/storage.cfg"
BACKUP="${PROXGUARD_ROOT:-}/root/proxguard-backup/storage.cfg.$(date +%Y%m%d%H%M%S)"

# the options line of this storage's section, as PVE reads it (first one wins)
current_options() {
    awk -v id="$STORAGE" '
        /^[a-z0-9]+:/ { sub(/^[a-z0-9]+:[ \t]*/, ""); sub(/[ \t]+$/, ""); insec = ($0 == id); next }
        insec && $1 == "options" { sub(/^[ \t]*options[ \t]+/, ""); print; exit }
    ' "$STORAGE_CFG"
}
"""
