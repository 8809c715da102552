#!/bin/sh
# onshictl cert … and tls … on the test PKI (tests/sim/pki), one case per ctest.
# Usage: cert_cli_test.sh CASE ONSHICTL PKI_DIR
# Each case writes its own configuration and state directory in a temporary directory; no onshid
# answers (ONSHI_API_SOCKET points nowhere). The TLS cases start `openssl s_server` on a random
# free port. Each case prints what it ran and exits non-zero with a reason when onshictl
# misbehaves.
set -u
case_name=$1 ctl=$2 pki=$3
work=$(mktemp -d) || exit 1
out=$work/out cfg=$work/onshi.toml state=$work/state
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export ONSHI_API_SOCKET="${ONSHI_API_SOCKET:-/nonexistent/onshi-api.sock}"

die() {
  echo "FAIL: $*"
  echo "--- output:"
  cat "$out"
  exit 1
}
expect() { grep -q -- "$1" "$out" || die "expected: $1"; }
expect_not() { ! grep -q -- "$1" "$out" || die "unexpected: $1"; }
# Runs onshictl with its output (stdout and stderr) in $out; the exit code in $rc.
run() {
  echo "+ onshictl $*"
  "$ctl" "$@" >"$out" 2>&1
  rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || die "exit code $rc, expected $1"; }

# The institutions of the test PKI (manifest.json), and each client's expected result.
manifest=$pki/manifest.json
A=$(sed -n 's/.*"institutions": {"a": "\([0-9]*\)".*/\1/p' "$manifest")
B=$(sed -n 's/.*"institutions": {.*"b": "\([0-9]*\)".*/\1/p' "$manifest")
NAME_A=$(sed -n 's/.*"institution_names": {"a": "\([^"]*\)".*/\1/p' "$manifest")
NAME_B=$(sed -n 's/.*"institution_names": {.*"b": "\([^"]*\)".*/\1/p' "$manifest")
[ -n "$A" ] && [ -n "$B" ] && [ -n "$NAME_A" ] && [ -n "$NAME_B" ] || die "cannot read $manifest"
expected_error() { sed -n "s/.*{\"name\": \"$1\",.*\"expect\": \"\([a-z_]*\)\".*/\1/p" "$manifest"; }
# "sha256//…" of a PKI file, from pins.txt.
pin_of() { sed -n "s|^$1 ||p" "$pki/pins.txt"; }
# The SHA-256 fingerprint of a PEM certificate, as onshictl prints it (lower-case hex).
fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# The configuration of one case: both institutions of the test PKI, its CA and CRL. The store's
# owner is the user running the test (as root, an import hands the store to that user).
write_config() {
  mkdir -p "$state"
  cat >"$cfg" <<EOF
terminal_name = "受付1号機"
state_dir = "$state"
test_mode = true

[[institutions]]
code = "$A"
name = "$NAME_A"

[[institutions]]
code = "$B"
name = "$NAME_B"

[certificates]
ca_file = "$pki/ca-chain.pem"
crl_file = "$pki/crl.pem"
owner = "${1:-$(id -un)}"
EOF
}

# The Japanese calendar date N days ago (N negative: ahead), YYYY-MM-DD.
jst_date() { date -u -d "@$(($(date +%s) + 9 * 3600 - $1 * 86400))" +%F; }
# The ledger of the case's configuration, as JSON, in $work/ledger.json.
ledger_json() { "$ctl" cert ledger --json --config "$cfg" >"$work/ledger.json" 2>&1; }
# The value of KEY in the ledger record ID ("state", "stage", …), from $work/ledger.json.
record_field() {
  awk -v id="$1" -v key="$2" '
    /^    \{$/ { inrec = 1; cur = "" }
    inrec && /^      "id": / { v = $0; sub(/^ *"id": "/, "", v); sub(/",?$/, "", v); cur = v }
    inrec && cur == id && $0 ~ "^      \"" key "\": " {
      v = $0; sub(/^ *"[^"]*": /, "", v); sub(/,$/, "", v); gsub(/^"|"$/, "", v); print v; exit }
  ' "$work/ledger.json"
}
expect_record() {
  ledger_json
  got=$(record_field "$1" "$2")
  [ "$got" = "$3" ] || { cat "$work/ledger.json" >>"$out"; die "ledger record $1: $2 is \"$got\", expected \"$3\""; }
}

# import NAME [ARGS…]: a client bundle of the test PKI, password on stdin.
import() {
  bundle=$1
  shift
  echo "+ onshictl cert import $bundle.p12 --password-stdin $*"
  "$ctl" cert import --config "$cfg" "$pki/clients/$bundle.p12" --password-stdin "$@" \
    <"$pki/clients/password" >"$out" 2>&1
  rc=$?
}

# field CODE SECTION KEY: a value of `cert status --json` (saved in $work/status.json) for the
# institution CODE: SECTION "" is the entry itself, "certificate" or "previous" its certificates.
status() {
  "$ctl" cert status --json --config "$cfg" >"$work/status.json" 2>&1
  status_rc=$?
}
field() {
  awk -v code="$1" -v sect="$2" -v key="$3" '
    { match($0, /^ */); ind = RLENGTH }
    ind == 6 && /^ *"code": / { v = $0; sub(/^ *"code": "/, "", v); sub(/",?$/, "", v); inst = v }
    ind == 6 && /": \{$/ { s = $0; sub(/^ *"/, "", s); sub(/".*/, "", s); cur = s; next }
    ind == 6 && /^ *\},?$/ { cur = ""; next }
    inst == code && ((sect == "" && ind == 6) || (sect != "" && cur == sect && ind == 8)) {
      k = $0; sub(/^ *"/, "", k); sub(/".*/, "", k)
      if (k == key) { v = $0; sub(/^ *"[^"]*": /, "", v); sub(/,$/, "", v); gsub(/^"|"$/, "", v); print v; exit }
    }' "$work/status.json"
}
# The current (or previous) certificate of an institution is the given test client.
expect_current() {
  status
  got=$(field "$1" certificate fingerprint_sha256)
  want=$(fingerprint "$pki/clients/$2.pem")
  [ "$got" = "$want" ] || { cat "$work/status.json" >>"$out"; die "current certificate of $1 is $got, expected $2 ($want)"; }
}
expect_previous() {
  status
  got=$(field "$1" previous fingerprint_sha256)
  want=$(fingerprint "$pki/clients/$2.pem")
  [ "$got" = "$want" ] || { cat "$work/status.json" >>"$out"; die "previous certificate of $1 is $got, expected $2 ($want)"; }
}
generations() { ls -a "$state/certs/$1" 2>/dev/null | grep -c -e '^gen-' -e '\.tmp$'; }

# openssl s_server with the test PKI's server certificate and chain on a random free port.
start_server() {
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((33000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 27000))
    openssl s_server -cert "$pki/server/server.pem" -key "$pki/server/server.key" \
      -cert_chain "$pki/intermediate-ca.pem" -accept "127.0.0.1:$port" -www "$@" \
      >"$work/server.log" 2>&1 &
    server_pid=$!
    for i in $(seq 100); do
      grep -q '^ACCEPT' "$work/server.log" && return 0
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
    echo "port $port busy (attempt $attempt)"
  done
  cat "$work/server.log"
  die "openssl s_server did not start"
}

# The [upstream] of the TLS cases: the s_server, its root as the server CA, the given pins.
upstream() {
  pins=
  for p in "$@"; do pins="$pins${pins:+, }\"$p\""; done
  cat >>"$cfg" <<EOF

[upstream]
url = "https://127.0.0.1:$port/"
pins = [$pins]
server_ca_file = "$pki/root-ca.pem"
connect_timeout_ms = 3000
handshake_timeout_ms = 3000
request_timeout_ms = 5000
EOF
}

# A bad bundle: refused with its manifest error, exit 6, and good-rsa stays current.
bad_bundle() {
  bad=$1
  errc=$(expected_error "$bad")
  [ -n "$errc" ] && [ "$errc" != ok ] || die "no expected error for $bad in the manifest"
  write_config
  import good-rsa
  expect_rc 0
  before=$(ls "$state/certs/$A")
  import "$bad" --institution "$A"
  expect_rc 6
  expect "onshictl: $errc: "
  expect "Nothing was imported"
  expect_current "$A" good-rsa
  [ "$(field "$A" "" state)" = ok ] || die "state of $A after a refused import"
  [ "$(field "$A" "" previous)" = null ] || die "a refused import made good-rsa previous"
  [ "$(ls "$state/certs/$A")" = "$before" ] || die "the store changed: $(ls "$state/certs/$A")"
  [ "$(generations "$A")" = 1 ] || die "a generation or staging directory was left behind"
  # The same in --json, with the code for scripts.
  import "$bad" --institution "$A" --json
  expect_rc 6
  expect "\"code\": \"$errc\""
  expect '"imported": false'
  expect_current "$A" good-rsa
}

case $case_name in
import_good_rsa)
  write_config
  import good-rsa
  expect_rc 0
  expect "Imported good-rsa.p12 for $A $NAME_A"
  expect 'subject:   CN=2714206386, OU=受付1号機, O=オンシ内科クリニック, C=JP'
  expect 'issuer:    CN=onshi Test Common CA Issuing 1'
  expect 'valid:     .*+09:00 to .*+09:00'
  expect 'key:       RSA-2048'
  expect "SHA-256:   $(fingerprint "$pki/clients/good-rsa.pem")"
  expect "onshid is not running (nothing answers on /nonexistent/onshi-api.sock"
  expect 'it will load the new certificate when it starts'
  expect_not 'legacy encryption'
  expect_current "$A" good-rsa
  key=$state/certs/$A/current/key.pem
  [ "$(stat -c %a "$key")" = 600 ] || die "key.pem has mode $(stat -c %a "$key")"
  [ "$(stat -c %U "$key")" = "$(id -un)" ] || die "key.pem belongs to $(stat -c %U "$key")"
  [ "$(stat -c %a "$state/certs")" = 700 ] || die "the store directory is not 0700"
  # The stored key is the bundle's key (compared by its public half).
  openssl pkey -in "$key" -pubout >"$work/stored.pub" 2>>"$out" || die "key.pem is not a key"
  openssl pkey -in "$pki/clients/good-rsa.key" -pubout >"$work/want.pub"
  cmp -s "$work/stored.pub" "$work/want.pub" || die "the stored key is not good-rsa's"
  # Again: the same certificate is "unchanged", not a new generation.
  import good-rsa --json
  expect_rc 0
  expect '"result": "unchanged"'
  [ "$(generations "$A")" = 1 ] || die "the same certificate made a second generation"
  ;;
import_wrong_password)
  write_config
  import good-rsa
  expect_rc 0
  for name in renewed legacy; do
    echo "+ onshictl cert import $name.p12 (wrong password)"
    printf 'not-the-password\n' | "$ctl" cert import --config "$cfg" "$pki/clients/$name.p12" \
      --password-stdin >"$out" 2>&1
    rc=$?
    expect_rc 6
    expect 'cert_wrong_password: '
    expect 'hint: wrong password'
    expect_not 'legacy encryption'
    expect_current "$A" good-rsa
    [ "$(field "$A" "" previous)" = null ] || die "a refused import rotated the certificates"
  done
  ;;
import_legacy)
  write_config
  import legacy
  expect_rc 0
  expect 'Imported legacy.p12'
  expect 'legacy encryption'
  expect_not 'wrong password'
  expect_current "$A" legacy
  [ "$(field "$A" certificate legacy_encryption)" = true ] || die "legacy_encryption not recorded"
  [ "$(field "$A" certificate source)" = legacy.p12 ] || die "source not recorded"
  ;;
import_legacy_without_provider)
  # Where OpenSSL's legacy provider cannot be loaded, the error says so: not "wrong password".
  write_config
  import good-rsa
  expect_rc 0
  OPENSSL_MODULES=$work/no-modules
  export OPENSSL_MODULES
  import legacy
  expect_rc 6
  expect 'onshictl: cert_legacy_encryption: '
  expect 'legacy encryption'
  expect_not 'wrong password'
  expect_not 'cert_wrong_password'
  unset OPENSSL_MODULES
  expect_current "$A" good-rsa
  ;;
bad_expired) bad_bundle expired ;;
bad_not_yet_valid) bad_bundle not-yet-valid ;;
bad_revoked) bad_bundle revoked ;;
bad_other_ca) bad_bundle other-ca ;;
bad_wrong_key) bad_bundle wrong-key ;;
bad_wrong_institution)
  bad_bundle wrong-institution
  # Without --institution: the subject matches no configured institution.
  import wrong-institution
  expect_rc 6
  expect 'onshictl: cert_wrong_institution: .*none of the configured institutions'
  expect '\-\-institution CODE'
  expect_current "$A" good-rsa
  ;;
renewed_and_rollback)
  write_config
  import good-rsa
  expect_rc 0
  import renewed
  expect_rc 0
  expect 'Imported renewed.p12'
  expect 'Replaced:    CN=2714206386'
  expect "onshictl cert rollback --institution $A"
  expect_current "$A" renewed
  expect_previous "$A" good-rsa
  run cert rollback --config "$cfg" --institution "$A"
  expect_rc 0
  expect "Rolled back $A"
  expect 'onshid is not running'
  expect_current "$A" good-rsa
  expect_previous "$A" renewed
  # And forward again; an institution without a previous certificate has nothing to roll back to.
  run cert rollback --config "$cfg" --institution "$A" --json
  expect_rc 0
  expect_current "$A" renewed
  run cert rollback --config "$cfg" --institution "$B"
  expect_rc 6
  expect 'cert_not_found'
  run cert rollback --config "$cfg" --institution 1311234569
  expect_rc 2
  expect 'not a configured institution'
  ;;
auto_institution)
  write_config
  import good-b
  expect_rc 0
  expect "Imported good-b.p12 for $B $NAME_B"
  expect_current "$B" good-b
  status
  [ "$(field "$A" "" state)" = missing ] || die "institution A got a certificate"
  # An explicit --institution that the certificate does not belong to is refused.
  import good-rsa --institution "$B"
  expect_rc 6
  expect 'cert_wrong_institution'
  expect_current "$B" good-b
  ;;
password_never_from_argv)
  write_config
  # No option takes the password: CLI11 refuses one given as an argument (exit 2), nothing is
  # written.
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" --password onshi-test-pass
  expect_rc 2
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" --password=onshi-test-pass
  expect_rc 2
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" onshi-test-pass
  expect_rc 2
  [ ! -e "$state/certs" ] || die "a refused command wrote to the store"
  # Without a terminal and without --password-stdin/--password-file: a usage error, not a read
  # of stdin.
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" </dev/null
  expect_rc 2
  expect '\-\-password-stdin'
  # Both sources at once are refused.
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" --password-stdin \
    --password-file "$pki/clients/password"
  expect_rc 2
  [ ! -e "$state/certs" ] || die "a refused command wrote to the store"
  # The password file works.
  run cert import --config "$cfg" "$pki/clients/good-rsa.p12" --password-file "$pki/clients/password"
  expect_rc 0
  expect_current "$A" good-rsa
  ;;
status_ok_and_missing)
  write_config
  import good-rsa
  expect_rc 0
  status
  [ "$status_rc" = 6 ] || die "cert status exit $status_rc with a missing certificate, expected 6"
  [ "$(field "$A" "" state)" = ok ] || die "state of A"
  [ "$(field "$A" "" warning_stage)" = ok ] || die "warning_stage of A"
  days=$(field "$A" "" days_left)
  [ "$days" -gt 1000 ] 2>/dev/null || die "days_left of A: $days"
  [ "$(field "$A" certificate days_left)" = "$days" ] || die "days_left differs in certificate"
  field "$A" certificate not_after | grep -q '+09:00$' || die "not_after not in Japan time"
  field "$A" "" next_action | grep -q 'Nothing to do' || die "next_action of A"
  # The import adopted A's certificate in the ledger; B has nothing on record.
  [ "$(field "$A" ledger stage)" = active ] || die "ledger stage of A: $(field "$A" ledger stage)"
  [ "$(field "$B" "" state)" = missing ] || die "state of B"
  [ "$(field "$B" "" certificate)" = null ] || die "certificate of B"
  [ "$(field "$B" ledger stage)" = missing ] || die "ledger stage of B: $(field "$B" ledger stage)"
  [ "$(field "$B" ledger needs_application)" = true ] || die "B needs an application"
  field "$B" "" next_action | grep -q "onshictl cert import FILE.p12 --institution $B" ||
    die "next_action of B: $(field "$B" "" next_action)"
  run cert status --config "$cfg"
  expect_rc 6
  expect "$A $NAME_A: OK"
  expect "$B $NAME_B: MISSING"
  # With both imported, everything is usable: exit 0.
  import good-b
  expect_rc 0
  run cert status --config "$cfg"
  expect_rc 0
  ;;
status_expiring_soon)
  write_config
  import expiring-soon
  expect_rc 0
  expect 'warning stage 30_days'
  status
  [ "$(field "$A" "" state)" = warning ] || die "state of A: $(field "$A" "" state)"
  [ "$(field "$A" "" warning_stage)" = 30_days ] || die "warning_stage: $(field "$A" "" warning_stage)"
  days=$(field "$A" "" days_left)
  [ "$days" -ge 19 ] && [ "$days" -le 21 ] || die "days_left $days, expected about 20"
  field "$A" "" next_action | grep -q 'apply for a new certificate' || die "next_action"
  ;;
store_owner_missing)
  write_config onshi-no-such-user
  import good-rsa
  if [ "$(id -u)" = 0 ]; then
    # As root the store would be handed to a user that does not exist: refused before writing.
    expect_rc 1
    expect 'the user "onshi-no-such-user" does not exist'
    [ ! -e "$state/certs" ] || die "the store was written"
  else
    # Not root: the store stays the importing user's, whatever the owner says.
    expect_rc 0
  fi
  ;;
ca_file_required)
  write_config
  sed -i '/^ca_file/d' "$cfg"
  import good-rsa
  expect_rc 1
  expect 'ca_file is not set'
  [ ! -e "$state/certs" ] || die "the store was written"
  ;;
tls_pin)
  write_config
  start_server
  run tls pin "127.0.0.1:$port" --ca-file "$pki/root-ca.pem" --config "$cfg"
  expect_rc 0
  expect "^  0 $(pin_of server/server.pem)  CN=localhost"
  expect "^  1 $(pin_of intermediate-ca.pem)  CN=onshi Test Common CA Issuing 1"
  expect "^  2 $(pin_of root-ca.pem)  CN=onshi Test Common CA Root"
  expect '\-\-pinnedpubkey matches the leaf'
  expect 'any certificate of the verified chain'
  expect 'backup'
  run tls pin "127.0.0.1:$port" --ca-file "$pki/root-ca.pem" --config "$cfg" --json
  expect_rc 0
  expect "\"pin\": \"$(pin_of intermediate-ca.pem)\""
  # Not verified (another CA): no pins, the error by name.
  run tls pin "127.0.0.1:$port" --ca-file "$pki/other-ca.pem" --config "$cfg"
  [ "$rc" != 0 ] || die "an unverified chain gave pins"
  expect 'tls_server_cert_invalid'
  expect_not 'sha256//'
  # Nothing listening.
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null
  server_pid=
  run tls pin "127.0.0.1:$port" --ca-file "$pki/root-ca.pem" --config "$cfg"
  [ "$rc" != 0 ] || die "exit 0 without a server"
  expect 'net_refused'
  run tls pin "::1:443" --config "$cfg"
  expect_rc 2
  ;;
tls_check_ok)
  write_config
  import good-rsa
  expect_rc 0
  start_server -Verify 1 -CAfile "$pki/ca-chain.pem"
  upstream "$(pin_of intermediate-ca.pem)" "$(pin_of root-ca.pem)"
  run tls check --config "$cfg"
  expect_rc 0
  expect "certificate .* ms  $A: CN=$A"
  expect '^  resolve .* ms  127.0.0.1'
  expect '^  connect .* ms  127.0.0.1 port'
  expect '^  handshake .* ms  TLSv1'
  expect '^  pins .* ms  pinned key at chain position 1'
  expect '^  request .* ms  GET / → 200'
  expect '^OK: '
  grep -q 'verify depth is 1, must return a certificate' "$work/server.log" ||
    die "the server did not ask for the client certificate"
  run tls check --config "$cfg" --json
  expect_rc 0
  expect '"ok": true'
  expect '"http_status": 200'
  ;;
tls_check_wrong_pin)
  write_config
  import good-rsa
  expect_rc 0
  start_server -Verify 1 -CAfile "$pki/ca-chain.pem"
  upstream "$(pin_of other-ca.pem)" "$(pin_of intermediate-b.pem)"
  run tls check --config "$cfg"
  [ "$rc" = 7 ] || die "exit $rc, expected 7"
  expect '^  handshake .* ms'
  expect '^  pins .*FAILED.*tls_pin_mismatch'
  expect '^FAILED at pins: tls_pin_mismatch'
  expect_not '^OK'
  ;;
tls_check_without_certificate)
  # No certificate imported: the step fails, the check still runs as far as it gets.
  write_config
  start_server -Verify 1 -CAfile "$pki/ca-chain.pem"
  upstream "$(pin_of intermediate-ca.pem)"
  run tls check --config "$cfg"
  [ "$rc" != 0 ] || die "exit 0 without a client certificate"
  expect '^  certificate .*FAILED.*cert_not_found'
  expect '^  resolve '
  expect '^  handshake '
  expect '^FAILED at '
  ;;
ledger_import_moves_application_forward)
  # applied → issued → imported by `cert import`; a renewal without an application on record is
  # adopted and replaces it; a rollback reinstates it and replaces the other.
  write_config
  run cert applied REQ-0001 --config "$cfg" --institution "$A" --contact "事務部 山田" \
    --phone 03-0000-0000 --date "$(jst_date 40)"
  expect_rc 0
  expect 'Recorded: application REQ-0001'
  expect 'notice expected: '
  expect_record REQ-0001 state applied
  run cert issued REQ-0001 --config "$cfg" --date "$(jst_date 30)"
  expect_rc 0
  expect 'stage: awaiting_download'
  expect_record REQ-0001 download_deadline "$(jst_date -150)"
  import good-rsa
  expect_rc 0
  expect 'Ledger:      REQ-0001 imported'
  expect_record REQ-0001 state imported
  expect_record REQ-0001 stage active
  expect_record REQ-0001 portal_status 発行済み
  # The same bundle again: the ledger already has it.
  import good-rsa
  expect_rc 0
  expect 'REQ-0001 already records this certificate'
  import renewed
  expect_rc 0
  expect 'no application on record: adopted as import-'
  expect 'REQ-0001 marked replaced'
  expect_record REQ-0001 state replaced
  adopted=$(sed -n 's/.*adopted as \(import-[0-9a-f]*\).*/\1/p' "$out")
  expect_record "$adopted" state imported
  run cert rollback --config "$cfg" --institution "$A"
  expect_rc 0
  expect 'Ledger:      REQ-0001 reinstated'
  expect "$adopted marked replaced"
  expect_record REQ-0001 state imported
  expect_record "$adopted" state replaced
  # cert status shows the ledger's next action.
  status
  grep -q '"stage": "active"' "$work/status.json" || { cat "$work/status.json" >>"$out"; die "no ledger stage in cert status"; }
  run cert status --config "$cfg"
  expect '^  ledger:    active (none): Nothing to do'
  ;;
ledger_refuses_impossible_steps)
  write_config
  run cert issued REQ-0404 --config "$cfg" --date "$(jst_date 1)"
  expect_rc 2
  expect 'has no record "REQ-0404"'
  run cert applied REQ-0002 --config "$cfg" --institution "$B" --date "$(jst_date 3)"
  expect_rc 0
  run cert applied REQ-0002 --config "$cfg" --institution "$B"
  expect_rc 1
  expect 'ledger_conflict: the ledger already has a record "REQ-0002"'
  run cert revoked REQ-0002 --config "$cfg"
  expect_rc 1
  expect 'ledger_transition: .*cancel the application instead'
  run cert issued REQ-0002 --config "$cfg" --date "$(jst_date 5)"
  expect_rc 1
  expect 'before the application date'
  run cert issued REQ-0002 --config "$cfg" --date "$(jst_date -3)"
  expect_rc 1
  expect 'is after today'
  run cert cancelled REQ-0002 --config "$cfg"
  expect_rc 0
  run cert issued REQ-0002 --config "$cfg" --date "$(jst_date 1)"
  expect_rc 1
  expect 'only an application can be issued, and this one is cancelled'
  run cert applied 'REQ/0003' --config "$cfg" --institution "$B"
  expect_rc 2
  expect 'may hold only letters'
  run cert issued REQ-0002 --config "$cfg" --date 2026-02-30
  expect_rc 2
  expect 'not a date'
  expect_record REQ-0002 state cancelled
  expect_record REQ-0002 generation 2
  ;;
ledger_plan_and_fee)
  write_config
  run cert plan --config "$cfg" --json
  expect_rc 0
  expect '"applications_needed": 2'
  expect '"fee_yen": 3000'
  expect '"form": "27:大阪府,osaka"'
  import good-rsa
  expect_rc 0
  expect 'no application on record: adopted as import-'
  run cert plan --config "$cfg"
  expect_rc 0
  expect 'to apply for now: 1; fee 1,500 yen'
  expect "^$A "
  expect '^  ledger:       active$'
  expect '^  ledger:       missing — apply for a certificate'
  ;;
ledger_shared_by_two_terminals)
  # Two terminals with one ledger directory and, by mistake, one 端末名称.
  write_config
  printf '[ledger]\ndirectory = "%s"\n' "$work/shared" >>"$cfg"
  mkdir "$work/shared"
  export ONSHI_MACHINE_ID=terminal-one ONSHI_HOST=uketsuke1
  import good-rsa
  expect_rc 0
  expect 'adopted as import-'
  adopted=$(sed -n 's/.*adopted as \(import-[0-9a-f]*\).*/\1/p' "$out")
  cfg2=$work/onshi2.toml
  sed "s|$state|$work/state2|" "$cfg" >"$cfg2"
  mkdir -p "$work/state2"
  export ONSHI_MACHINE_ID=terminal-two ONSHI_HOST=uketsuke2
  echo "+ (terminal two) onshictl cert import good-rsa.p12"
  "$ctl" cert import --config "$cfg2" "$pki/clients/good-rsa.p12" --password-stdin \
    <"$pki/clients/password" >"$out" 2>&1
  rc=$?
  expect_rc 0
  expect 'Ledger NOT updated: .*imported on the terminal uketsuke1 already'
  run cert plan --config "$cfg2"
  expect_rc 1
  expect "PROBLEM: $A: the certificate $adopted for 端末名称 \"受付1号機\" is held by another terminal (uketsuke1)"
  ;;
ledger_concurrent_writers)
  # Two processes edit one record at once through the CLI: every step lands, none is lost.
  write_config
  run cert applied REQ-0005 --config "$cfg" --institution "$A" --date "$(jst_date 2)"
  expect_rc 0
  for writer in 1 2; do
    (
      i=0
      while [ $i -lt 15 ]; do
        "$ctl" cert edit REQ-0005 --config "$cfg" --phone "w$writer-$i" >/dev/null 2>"$work/err$writer" || exit 1
        i=$((i + 1))
      done
    ) &
    eval "pid$writer=\$!"
  done
  wait "$pid1" || { cat "$work/err1" >>"$out"; die "writer 1 failed"; }
  wait "$pid2" || { cat "$work/err2" >>"$out"; die "writer 2 failed"; }
  expect_record REQ-0005 generation 31
  expect_record REQ-0005 steps 31
  ;;
ledger_unreachable)
  # The ledger's directory cannot be created: the import still succeeds and says so.
  write_config
  : >"$work/not-a-directory"
  printf '[ledger]\ndirectory = "%s"\n' "$work/not-a-directory/ledger" >>"$cfg"
  import good-rsa
  expect_rc 0
  expect 'Imported good-rsa.p12'
  expect 'Ledger NOT updated: '
  expect "onshictl cert imported --institution $A"
  run cert ledger --config "$cfg"
  [ "$rc" != 0 ] || die "cert ledger exit 0 on an unreadable ledger"
  expect 'cannot read the ledger directory'
  ;;
ledger_share_not_mounted)
  # A configured ledger directory that is missing is a share not mounted, not an empty ledger:
  # the plan must not advise applying (and paying) again, and nothing is created locally.
  write_config
  printf '[ledger]\ndirectory = "%s"\n' "$work/mnt/ledger" >>"$cfg"
  mkdir "$work/mnt"
  run cert plan --config "$cfg"
  expect_rc 1
  expect 'does not exist: is the share mounted?'
  expect_not 'fee'
  run cert applied REQ-0009 --config "$cfg" --institution "$A"
  expect_rc 1
  expect 'is the share mounted?'
  run cert issued REQ-0009 --config "$cfg" --date "$(jst_date 1)"
  expect_rc 1
  expect 'is the share mounted?'
  [ ! -e "$work/mnt/ledger" ] || die "the ledger directory was created under the mount point"
  ;;
*)
  echo "unknown case $case_name"
  exit 2
  ;;
esac
echo "PASS: $case_name"
