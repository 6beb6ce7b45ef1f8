#!/bin/sh
# read_only_root.sh WRITABLE_DIR CMD [ARGS...]: run CMD in a private mount namespace where every
# filesystem is read-only except WRITABLE_DIR (and /dev, /proc, /sys, left as they are), as
# ProtectSystem=strict with StateDirectory= does in deploy/helpline-bot.service, and as a
# container's read_only: true with its data volume does. Needs root (or CAP_SYS_ADMIN) and
# util-linux's unshare; tests/e2e/test_systemd_unit.py uses it.
set -eu
[ "$#" -ge 2 ] || { echo "usage: read_only_root.sh WRITABLE_DIR CMD [ARGS...]" >&2; exit 2; }
if [ -z "${HELPLINE_IN_NAMESPACE:-}" ]; then
    HELPLINE_IN_NAMESPACE=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
writable=$(cd -- "$1" && pwd -P)
shift
mount --bind "$writable" "$writable"
awk '{print $2}' /proc/self/mounts | while IFS= read -r point; do
    case "$point" in
    "$writable" | /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) ;;
    *) mount -o remount,bind,ro "$point" ;;
    esac
done
unset HELPLINE_IN_NAMESPACE
exec "$@"
