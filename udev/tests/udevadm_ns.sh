#!/bin/sh
# Runs the real `udevadm test` (systemd 252) on exactly the rules in RULES_DIR, for a device that
# umockdev-run describes, without touching the machine: a private mount namespace gets its own
# /sys (the umockdev tree), /dev, /run, /etc/group and rules directories (test-rigs.md §3 for
# umockdev; the namespace idea is the one of tests/sim's private pcscd). Root only.
#
#   umockdev-run -d DEV.umockdev -- unshare -m sh udevadm_ns.sh RULES_DIR SYSPATH OUT_DIR ACTION...
#
# For each ACTION, in one namespace (so the node keeps its state from event to event):
#   OUT_DIR/ACTION.udevadm  udevadm test's output
#   OUT_DIR/ACTION.acl      getfacl of the device node after running the event's setfacl RUNs
# and OUT_DIR/groups (getent group pcscd onshi), to map the GROUP lines' gids back to names.
set -eu
rules=$1 syspath=$2 out=$3
shift 3
[ -n "${UMOCKDEV_DIR:-}" ] || { echo "udevadm_ns.sh: run under umockdev-run" >&2; exit 2; }
# udevadm reads the umockdev tree through the bind mount below, not through umockdev's preload.
unset LD_PRELOAD

mount --make-rprivate /
w=$out/ns
mkdir -p "$w"
mount -t tmpfs onshi-udev-test "$w"
mkdir -p "$w/dev/bus/usb/001" "$w/run" "$w/empty"
for n in null zero random urandom; do
  touch "$w/dev/$n"
  mount --bind "/dev/$n" "$w/dev/$n"
done
mknod -m 0644 "$w/dev/bus/usb/001/002" c 189 1
# The groups the rules name; appended, so an existing pcscd/onshi group of the machine wins.
cp /etc/group "$w/group"
printf 'pcscd:x:64990:\nonshi:x:64991:\n' >>"$w/group"

mount --bind "$UMOCKDEV_DIR/sys" /sys
mount --bind "$w/dev" /dev
mount --bind "$w/run" /run
mount --bind "$w/group" /etc/group
mount --bind "$rules" /usr/lib/udev/rules.d
for d in /etc/udev/rules.d /usr/local/lib/udev/rules.d; do
  if [ -d "$d" ]; then mount --bind "$w/empty" "$d"; fi
done
getent group pcscd onshi >"$out/groups"

node=/dev/bus/usb/001/002
for action in "$@"; do
  # The umockdev tree is no sysfs: SYSTEMD_DEVICE_VERIFY_SYSFS=0 lets sd-device accept it.
  SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action="$action" "$syspath" \
    >"$out/$action.udevadm" 2>&1 || echo "udevadm exit status $?" >>"$out/$action.udevadm"
  # udevadm test runs no RUN program; run the setfacl ones (nothing else) as udevd would.
  sed -n "s|^run: '\(/usr/bin/setfacl .*\)'\$|\1|p" "$out/$action.udevadm" | while read -r cmd; do
    $cmd
  done
  getfacl -p "$node" >"$out/$action.acl" 2>&1
done
