#!/bin/sh
# Checks of onshid's systemd integration files (README.md, "Tests"), one case per ctest.
# Usage: systemd_files_test.sh CASE ARGS...
#   unit_verifies UNIT [EXEC]               systemd-analyze verify; any warning is a failure
#   unit_verify_rejects_typos UNIT [EXEC]   the same check must fail on misspelt copies
#   security_exposure UNIT MAX [EXEC]       systemd-analyze security --offline, score <= MAX
#   unit_execstart_is_installed CMAKE INSTALL_SCRIPT [EXEC]   the installed unit's ExecStart is
#                                           the installed onshid, for two prefixes
#   sysusers_parses SYSUSERS                systemd-sysusers creates user onshi in a temp root
#   tmpfiles_parses SYSUSERS TMPFILES       systemd-tmpfiles creates /var/lib/onshi there (root)
#   polkit_rule_grants_onshi_only RULE      the rule's decisions, evaluated with node
#   polkit_rule_with_polkitd RULE           the real polkitd and pkcheck (root, mount namespace)
# EXEC is the built onshid, or empty while there is none: systemd-analyze needs ExecStart='s
# binary to exist, so the checks run on a copy whose ExecStart is EXEC (else /bin/true).
# Nothing outside a temporary directory is changed; the polkitd case mounts over /etc files in
# its own mount namespace only. Exit 0 = pass, 1 = fail, 77 = skipped (SKIP_RETURN_CODE).
set -u
case_name=$1
shift
work=$(mktemp -d) || exit 1
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

die() {
  echo "FAIL: $*"
  exit 1
}
skip() {
  echo "SKIPPED: $*"
  exit 77
}

# Writes $work/unit/onshid.service: UNIT with ExecStart's binary replaced by EXEC or /bin/true.
# Also checks what configure_file produced: no placeholder left, ExecStart runs an absolute onshid.
unit_copy() {
  unit=$1 exe=${2:-}
  if grep -n '@[A-Za-z_]*@' "$unit"; then die "unsubstituted placeholder in $unit"; fi
  start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
  case $start in
    /*/onshid) echo "ExecStart runs $start" ;;
    *) die "ExecStart= does not run an absolute path to onshid: '$start'" ;;
  esac
  if [ -n "$exe" ] && [ -f "$exe" ] && [ -x "$exe" ]; then
    echo "checking a copy whose ExecStart is the built onshid, $exe"
  else
    echo "note: onshid is not built (${exe:-no target onshid}); the copy's ExecStart is /bin/true"
    exe=/bin/true
  fi
  mkdir -p "$work/unit"
  sed "s|^ExecStart=$start |ExecStart=$exe |" "$unit" >"$work/unit/onshid.service"
  grep -q "^ExecStart=$exe " "$work/unit/onshid.service" || die "could not rewrite ExecStart"
}

# systemd-analyze verify FILE: fails on a non-zero exit or on any message about FILE. verify
# reports a misspelt key or a bad value only as a warning ("Unknown key ..., ignoring") and
# still exits 0. Messages that name another unit file of this machine are shown, not counted.
verify_unit() {
  f=$1
  echo "+ systemd-analyze verify --man=no --recursive-errors=one $f"
  systemd-analyze verify --man=no --recursive-errors=one "$f" >"$work/verify.out" 2>"$work/verify.err"
  rc=$?
  cat "$work/verify.out"
  awk -v me="$f" -v name="${f##*/}" '
    { split($0, part, ":"); head = part[1] }
    (head ~ /^\// && head != me) ||
    (head ~ /^[A-Za-z0-9@._-]+\.(service|socket|target|mount|path|timer|slice|device|scope|swap)$/ &&
     head != name) { print "note (another unit, not counted): " $0; next }
    { print "problem: " $0; n++ }
    END { exit n > 0 }' "$work/verify.err"
  problems=$?
  [ "$rc" -eq 0 ] && [ "$problems" -eq 0 ]
}

unit_verifies() {
  unit_copy "$1" "${2:-}"
  verify_unit "$work/unit/onshid.service" || die "systemd-analyze verify reported problems"
  # verify does not check DeviceAllow='s device group names (they are read from /proc/devices at
  # start); check them where the kernel has USB at all (this CI VM has none).
  sed -n 's/^DeviceAllow=char-\([^ ]*\).*/\1/p' "$work/unit/onshid.service" >"$work/groups"
  while read -r group; do
    if grep -q '^ *[0-9]* usb' /proc/devices; then
      grep -q "^ *[0-9]* $group\$" /proc/devices || die "DeviceAllow: no char device group '$group'"
      echo "DeviceAllow group $group is in /proc/devices"
    else
      echo "note: kernel without USB, DeviceAllow group '$group' not checked against /proc/devices"
    fi
  done <"$work/groups"
  echo "PASS: systemd-analyze verify has nothing to say"
}

# The check above must fail on a misspelt key and on a bad value, and for that reason.
unit_verify_rejects_typos() {
  unit_copy "$1" "${2:-}"
  good=$work/unit/onshid.service
  mkdir -p "$work/typo"
  for edit in 's/^ProtectHome=/ProtectHom=/|Unknown key .ProtectHom.' \
    's/^WatchdogSec=30s/WatchdogSec=30q/|Failed to parse sec value' \
    's/^SystemCallFilter=@system-service/SystemCallFilter=@system-servce/|Unknown system call group'; do
    sed_expr=${edit%%|*} expected=${edit#*|}
    sed "$sed_expr" "$good" >"$work/typo/onshid.service"
    cmp -s "$good" "$work/typo/onshid.service" && die "'$sed_expr' changed nothing in the unit"
    echo "--- with '$sed_expr':"
    if verify_unit "$work/typo/onshid.service"; then die "verify accepted '$sed_expr'"; fi
    grep -q "$expected" "$work/verify.err" || die "verify failed, but without '$expected'"
  done
  echo "PASS: every typo fails the check"
}

security_exposure() {
  max=$2
  unit_copy "$1" "${3:-}"
  systemd-analyze --help | grep -q -- '--offline' || skip "systemd-analyze has no security --offline"
  echo "+ systemd-analyze security --offline=yes onshid.service"
  systemd-analyze security --offline=yes "$work/unit/onshid.service" >"$work/sec.out" 2>"$work/sec.err"
  rc=$?
  cat "$work/sec.out" "$work/sec.err"
  [ "$rc" -eq 0 ] || die "systemd-analyze security exited $rc"
  [ -s "$work/sec.err" ] && die "systemd-analyze security printed warnings"
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$work/sec.out")
  [ -n "$score" ] || die "no overall exposure level in the output"
  echo "exposure $score, allowed at most $max"
  awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' ||
    die "exposure $score is above $max: a sandboxing option was lost or weakened"
  echo "PASS: exposure $score <= $max"
}

# Runs agent/onshid's install script (onshid and the files here) into a DESTDIR for two prefixes
# and checks that the installed unit's ExecStart is where the program was installed.
unit_execstart_is_installed() {
  cmake=$1 script=$2 exe=${3:-}
  if [ -z "$exe" ] || ! [ -f "$exe" ]; then skip "onshid is not built (${exe:-no target onshid})"; fi
  for prefix in /usr /opt/onshi; do
    dest=$work/dest$(echo "$prefix" | tr / _)
    echo "+ DESTDIR=$dest cmake -DCMAKE_INSTALL_PREFIX=$prefix -P $script"
    DESTDIR=$dest "$cmake" -DCMAKE_INSTALL_PREFIX="$prefix" -P "$script" >"$work/install.log" 2>&1 || {
      cat "$work/install.log"
      die "the install failed"
    }
    unit=$dest$prefix/lib/systemd/system/onshid.service
    [ -f "$unit" ] || die "no unit in $prefix/lib/systemd/system"
    start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
    echo "ExecStart=$start"
    case $start in
      "$prefix"/*) ;;
      *) die "ExecStart=$start is outside the prefix $prefix" ;;
    esac
    if ! [ -f "$dest$start" ] || ! [ -x "$dest$start" ]; then
      find "$dest" -name onshid -type f
      die "ExecStart=$start, but the install put onshid elsewhere (above)"
    fi
  done
  echo "PASS: the installed unit starts the installed onshid"
}

# Installs SYSUSERS as <root>/usr/lib/sysusers.d/onshi.conf (the path `cmake --install --prefix
# /usr` uses) and lets systemd-sysusers --root process that root; leaves <root>/etc/passwd.
sysusers_into_root() {
  root=$work/root
  mkdir -p "$root/etc" "$root/usr/lib/sysusers.d"
  cp "$1" "$root/usr/lib/sysusers.d/onshi.conf"
  echo "+ systemd-sysusers --root=$root"
  systemd-sysusers --root="$root" >"$work/sysusers.out" 2>&1 || {
    cat "$work/sysusers.out"
    die "systemd-sysusers failed"
  }
  cat "$work/sysusers.out"
  if grep -v -e "^Creating group 'onshi' with GID [0-9]*\.\$" \
    -e "^Creating user 'onshi' (onshi agent) with UID [0-9]* and GID [0-9]*\.\$" "$work/sysusers.out"; then
    die "systemd-sysusers printed more than the two creations (above)"
  fi
}

sysusers_parses() {
  sysusers_into_root "$1"
  echo "+ systemd-sysusers --root=ROOT --dry-run (nothing left to do)"
  systemd-sysusers --root="$root" --dry-run >"$work/again.out" 2>&1 || die "second run failed"
  if grep . "$work/again.out"; then die "a second run still wants to change something"; fi
  grep '^onshi:' "$root/etc/passwd" "$root/etc/group"
  # Debian's system range ends at 999 (SYS_UID_MAX, login.defs); home = config state_dir.
  awk -F: '$1 == "onshi" { found = 1
      if ($3 < 1 || $3 > 999) { print "uid " $3 " is not a system uid"; bad = 1 }
      if ($6 != "/var/lib/onshi") { print "home " $6 ", expected /var/lib/onshi"; bad = 1 }
      if ($7 != "/usr/sbin/nologin") { print "shell " $7 ", expected /usr/sbin/nologin"; bad = 1 }
      gid = $4 }
    END { if (!found) print "no user onshi"; exit !found || bad }' "$root/etc/passwd" ||
    die "user onshi is not as expected"
  gid=$(awk -F: '$1 == "onshi" { print $4 }' "$root/etc/passwd")
  awk -F: -v gid="$gid" '$1 == "onshi" && $3 == gid { ok = 1 } END { exit !ok }' \
    "$root/etc/group" || die "group onshi is missing or is not the user's primary group $gid"
  echo "PASS: systemd-sysusers creates system user and group onshi"
}

tmpfiles_parses() {
  [ "$(id -u)" -eq 0 ] || skip "needs root: systemd-tmpfiles must chown to onshi"
  sysusers_into_root "$1"
  mkdir -p "$root/usr/lib/tmpfiles.d"
  cp "$2" "$root/usr/lib/tmpfiles.d/onshi.conf"
  echo "+ systemd-tmpfiles --root=$root --create"
  systemd-tmpfiles --root="$root" --create >"$work/tmpfiles.out" 2>&1
  rc=$?
  cat "$work/tmpfiles.out"
  [ "$rc" -eq 0 ] || die "systemd-tmpfiles exited $rc"
  [ -s "$work/tmpfiles.out" ] && die "systemd-tmpfiles printed warnings"
  uid=$(awk -F: '$1 == "onshi" { print $3 }' "$root/etc/passwd")
  gid=$(awk -F: '$1 == "onshi" { print $3 }' "$root/etc/group")
  got=$(stat -c '%F %a %u:%g' "$root/var/lib/onshi") || die "no /var/lib/onshi in the root"
  echo "/var/lib/onshi: $got"
  [ "$got" = "directory 750 $uid:$gid" ] || die "expected: directory 750 $uid:$gid (onshi:onshi)"
  echo "PASS: systemd-tmpfiles creates /var/lib/onshi 0750 onshi:onshi"
}

# Loads RULE with a stand-in for polkitd's `polkit` object (polkit(8): rules run in order, the
# first that returns a result decides) and checks its decisions. Catches a wrong action id or
# user name; whether polkitd's engine accepts the syntax is polkit_rule_with_polkitd's job.
polkit_rule_grants_onshi_only() {
  command -v node >/dev/null || skip "node is not installed"
  echo "+ node: evaluating $1"
  node - "$1" <<'EOF' || die "the rule's decisions are wrong (above)"
const fs = require("fs"), vm = require("vm");
const file = process.argv[2];
const rules = [];
const polkit = {
  Result: { NO: "no", YES: "yes", AUTH_SELF: "auth_self", AUTH_SELF_KEEP: "auth_self_keep",
            AUTH_ADMIN: "auth_admin", AUTH_ADMIN_KEEP: "auth_admin_keep", NOT_HANDLED: "not_handled" },
  addRule(f) { rules.push(f); },
  addAdminRule() {},
  log() {},
  spawn() { throw new Error("the rule must not spawn programs"); },
};
vm.runInNewContext(fs.readFileSync(file, "utf8"), { polkit }, { filename: file });
function decide(id, user, groups) {
  const action = { id, lookup: (key) => (key === "reader" ? "onshi vpcd 00 00" : undefined) };
  const subject = { user, groups, pid: 4242, local: false, active: false, session: "",
                    isInGroup: (g) => groups.includes(g), isInNetGroup: () => false };
  for (const rule of rules) {
    const result = rule(action, subject);
    if (result !== undefined && result !== null) return result;
  }
  return "(no decision: the policy's defaults apply)";
}
const pcsc = "org.debian.pcsc-lite.access_pcsc", card = "org.debian.pcsc-lite.access_card";
const cases = [
  [pcsc, "onshi", ["onshi"], "yes"],
  [card, "onshi", ["onshi"], "yes"],
  // API clients are in group onshi; they must not reach the cards directly.
  [pcsc, "recept", ["recept", "onshi"], null],
  [card, "recept", ["recept", "onshi"], null],
  [card, "root", ["root"], null],
  [card, "onshi2", ["onshi"], null],
  [pcsc + "_extra", "onshi", ["onshi"], null],
  ["org.freedesktop.login1.reboot", "onshi", ["onshi"], null],
];
let failed = 0;
if (rules.length === 0) { console.log("the file adds no rule"); failed++; }
for (const [id, user, groups, want] of cases) {
  const got = decide(id, user, groups);
  const ok = want === null ? got.startsWith("(no decision") : got === want;
  console.log(`${ok ? "ok  " : "FAIL"} ${id} for ${user} (groups ${groups}): ${got}`);
  if (!ok) failed++;
}
process.exit(failed ? 1 : 0);
EOF
  echo "PASS: the rule grants both pcsc-lite actions to user onshi and nothing else"
}

# The real polkitd (Debian 12: polkit 122 with duktape) on a private D-Bus system bus, in a
# private mount namespace where /etc/polkit-1/rules.d, /usr/share/polkit-1/{rules.d,actions},
# /etc/passwd and /etc/group are replaced. pcsc-lite's actions are declared with the defaults of
# its org.debian.pcsc-lite.policy (cards-and-readers.md §4.5), since Debian 12 does not ship it.
polkit_rule_with_polkitd() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (mount namespace, processes of other users)"
  polkitd=/usr/lib/polkit-1/polkitd
  for tool in "$polkitd" dbus-daemon pkcheck pkaction setpriv unshare; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
  done
  for dir in /etc/polkit-1/rules.d /usr/share/polkit-1/rules.d /usr/share/polkit-1/actions; do
    [ -d "$dir" ] || skip "$dir is missing"
  done
  unshare -m true 2>/dev/null || skip "cannot create a mount namespace here"
  cp "$1" "$work/rule.rules"
  echo "+ unshare -m: polkitd on a private bus"
  unshare -m sh "$0" polkit_in_namespace "$work" || die "polkitd's decisions are wrong (above)"
  echo "PASS: polkitd grants both pcsc-lite actions to user onshi and nothing else"
}

# Inside the mount namespace; $1 is the outer case's work directory (kept by the outer trap).
polkit_in_namespace() {
  t=$1
  bus=$t/bus pids='' polkitd=/usr/lib/polkit-1/polkitd
  kill_started() {
    for started in $pids; do kill "$started" 2>/dev/null; done
  }
  trap kill_started EXIT
  mkdir -p "$t/rules" "$t/share-rules" "$t/actions"
  # polkitd switches to user polkitd and must reach the bus socket in here.
  chmod 0755 "$t"
  cat >"$t/actions/org.debian.pcsc-lite.policy" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1.0/policyconfig.dtd">
<policyconfig>
  <action id="org.debian.pcsc-lite.access_pcsc">
    <description>test: PC/SC daemon</description>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
  <action id="org.debian.pcsc-lite.access_card">
    <description>test: smart card</description>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
  <action id="org.onshi.test.unrelated">
    <description>test: an action the rule must not touch</description>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
</policyconfig>
EOF
  cat >"$t/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
  # Users onshi and onshitest (a member of group onshi, like an API client), on free ids.
  uid=64900
  while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null ||
    getent passwd $((uid + 1)) >/dev/null || getent group $((uid + 1)) >/dev/null; do
    uid=$((uid + 2))
  done
  other=$((uid + 1))
  grep -v -e '^onshi:' -e '^onshitest:' /etc/passwd >"$t/passwd"
  grep -v -e '^onshi:' -e '^onshitest:' /etc/group >"$t/group"
  echo "onshi:x:$uid:$uid::/var/lib/onshi:/usr/sbin/nologin" >>"$t/passwd"
  echo "onshitest:x:$other:$other::/nonexistent:/usr/sbin/nologin" >>"$t/passwd"
  echo "onshi:x:$uid:onshitest" >>"$t/group"
  echo "onshitest:x:$other:" >>"$t/group"
  for pair in passwd:/etc/passwd group:/etc/group rules:/etc/polkit-1/rules.d \
    share-rules:/usr/share/polkit-1/rules.d actions:/usr/share/polkit-1/actions; do
    mount --bind "$t/${pair%%:*}" "${pair#*:}" || die "cannot mount over ${pair#*:}"
  done

  dbus-daemon --config-file="$t/bus.conf" --nofork --nopidfile >"$t/dbus.log" 2>&1 &
  pids="$pids $!"
  DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus
  export DBUS_SYSTEM_BUS_ADDRESS
  setpriv --reuid="$uid" --regid="$uid" --init-groups sleep 120 &
  onshi_pid=$!
  setpriv --reuid="$other" --regid="$other" --init-groups sleep 120 &
  other_pid=$!
  pids="$pids $onshi_pid $other_pid"

  failed=0
  # expect USER ACTION RC: pkcheck on USER's process exits 0 when authorized, 1 when not.
  expect() {
    if [ "$1" = onshi ]; then pid=$onshi_pid; else pid=$other_pid; fi
    timeout 10 pkcheck --action-id "$2" --process "$pid" >"$t/pkcheck.out" 2>&1
    rc=$?
    if [ "$rc" -eq "$3" ]; then echo "ok   $2 for $1: exit $rc"; else
      echo "FAIL $2 for $1: exit $rc, expected $3: $(cat "$t/pkcheck.out")"
      failed=1
    fi
  }
  run_polkitd() {
    "$polkitd" >"$t/polkitd-$1.log" 2>&1 &
    polkitd_pid=$!
    pids="$pids $polkitd_pid"
    deadline=$(($(date +%s) + 10))
    until timeout 2 pkaction --action-id org.debian.pcsc-lite.access_pcsc >/dev/null 2>&1; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        cat "$t/dbus.log" "$t/polkitd-$1.log"
        die "polkitd did not come up on the private bus within 10 s"
      fi
      sleep 0.1
    done
  }
  stop_polkitd() {
    kill "$polkitd_pid"
    wait "$polkitd_pid" 2>/dev/null
  }

  echo "--- without the rule: the defaults refuse a service (no active session)"
  run_polkitd without
  expect onshi org.debian.pcsc-lite.access_pcsc 1
  stop_polkitd

  echo "--- with 50-onshi-pcscd.rules"
  cp "$t/rule.rules" "$t/rules/50-onshi-pcscd.rules"
  run_polkitd with
  expect onshi org.debian.pcsc-lite.access_pcsc 0
  expect onshi org.debian.pcsc-lite.access_card 0
  expect onshi org.onshi.test.unrelated 1
  expect onshitest org.debian.pcsc-lite.access_pcsc 1
  expect onshitest org.debian.pcsc-lite.access_card 1
  stop_polkitd
  # polkitd ignores a file it cannot compile (and logs why): say so, not just "not authorized".
  grep -i -E 'error|rules' "$t/polkitd-with.log"
  grep -q 'executing 1 rules' "$t/polkitd-with.log" || {
    echo "FAIL polkitd did not load the rule"
    failed=1
  }
  [ "$failed" -eq 0 ]
}

case $case_name in
  unit_verifies | unit_verify_rejects_typos | security_exposure | unit_execstart_is_installed | \
    sysusers_parses | tmpfiles_parses | polkit_rule_grants_onshi_only | polkit_rule_with_polkitd)
    "$case_name" "$@"
    ;;
  polkit_in_namespace)
    trap - EXIT # the outer case owns the work directory
    rm -rf "$work"
    polkit_in_namespace "$@"
    ;;
  *) die "unknown case '$case_name'" ;;
esac
