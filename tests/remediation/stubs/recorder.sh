#!/usr/bin/env bash
# A recording stand-in for the Proxmox and system commands (and, in the hostile-input
# tests, the file commands cp/mv/install/rm/mkdir/tee/chmod/chown/ln), for those tests.
#
# pgstub.py imitates PVE (it applies changes to the copied host tree); this stub only
# records. Each call appends "<argc>\0<command>\0<arg>\0…" to $PROXGUARD_STUB_ARGV, so a
# test can prove that a hostile value arrived as one intact argument whatever bytes it
# holds (newlines and quotes included: NUL is the one byte argv cannot carry). It answers
# nothing and succeeds, which lets every script run its change path; being bash, it costs
# milliseconds per call where a Python stub costs a hundred.
if [ -n "${PROXGUARD_STUB_ARGV:-}" ]; then
    printf '%s\0' "$#" "${0##*/}" "$@" >>"$PROXGUARD_STUB_ARGV"
fi
case "${0##*/}" in
    pvesh) [ "${1:-}" = get ] && printf '[]\n' ;;
    tee) cat >/dev/null ;;
esac
exit 0
