#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): installs what it needs, builds onshi, starts
# the simulators — onshi-facesim (two emulated USB face readers under umockdev, with their own
# private pcscd + libccid: the system's pcscd is never touched) and onshi-eligsim (the reference
# eligibility service, a model of the interface, behind real mutual TLS with a test PKI) — imports
# the terminal's client certificate with onshictl, starts onshid and then, as receipt software
# would, uses nothing but onshid's local API (HTTP/1.1 on its Unix socket) for:
#   1. a My Number verification by face match (the patient answers the consent questions),
#   2. a face mismatch falling back to the PIN on the reader's pad,
#   3. an insurance-card query (個別照会),
#   4. an HPKI signature with a doctor's card, checked independently with openssl.
#
#   bash scripts/demo.sh            run the story, then stop everything
#   bash scripts/demo.sh --keep     leave it all running for curl and onshictl, until Ctrl-C
#   ONSHI_BUILD_DIR=build/ci bash scripts/demo.sh   use binaries built there (no install, no build)
set -euo pipefail
# Started in the background by a non-interactive shell, bash inherits SIGINT ignored and cannot
# trap it; run again with the default disposition so that Ctrl-C and kill -INT always reach the
# trap below, which stops everything.
if [ -z "${ONSHI_DEMO_SIGNALS:-}" ]; then
  ONSHI_DEMO_SIGNALS=1 exec env --default-signal=INT bash "$0" "$@"
fi
cd "$(dirname "$0")/.."

keep=false
case "${1:-}" in
  "") ;;
  --keep) keep=true ;;
  -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (the emulated face reader's pcscd needs its own mount namespace)" >&2
  exit 1
fi

if [ -n "${ONSHI_BUILD_DIR:-}" ]; then
  build=$(cd "$ONSHI_BUILD_DIR" && pwd)
else
  bash scripts/install-deps.sh test
  cmake --preset release >/dev/null
  cmake --build --preset release -j "${ONSHI_JOBS:-2}" --target onshid onshictl onshi-facesim \
    onshi-eligsim onshi-jpki-personas onshi-hpki-personas
  build=$PWD/build/release
fi
onshid=$build/agent/onshid/onshid
onshictl=$build/agent/onshictl
facesim=$build/tests/sim/facesim/onshi-facesim
eligsim=$build/tests/sim/eligsim/onshi-eligsim
for tool in "$onshid" "$onshictl" "$facesim" "$eligsim"; do
  [ -x "$tool" ] || { echo "demo: $tool is missing (build it first)" >&2; exit 1; }
done
for tool in jq curl openssl; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (scripts/install-deps.sh test)" >&2; exit 1; }
done

# Everything lives in one temporary directory; the trap stops what the demo started (by pid) and
# removes it, whichever way the script ends.
work=$(mktemp -d /tmp/onshi-demo.XXXXXX)
eligsim_pid='' facesim_pid='' onshid_pid=''
stop() {  # stop <pid>: SIGTERM, then SIGKILL after 10 s
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  set +e
  trap - INT TERM
  stop "$onshid_pid"   # first: it holds the readers
  stop "$facesim_pid"  # takes its pcscd with it
  stop "$eligsim_pid"
  rm -rf "$work"
  printf '\n=== stopped onshid, onshi-facesim (and its pcscd), onshi-eligsim; removed %s\n' "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n=== %s\n' "$*"; }
say() { printf '  %s\n' "$*"; }
die() {
  echo "demo: FAILED: $*" >&2
  for log in onshid.log facesim.log eligsim.log; do
    [ -s "$work/$log" ] && { echo "--- $log (end):" >&2; tail -n 15 "$work/$log" >&2; }
  done
  exit 1
}
# until <seconds> <what> <command...>: wait for a condition, never a fixed sleep.
until_ok() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do "$@" && return 0; sleep 0.1; done
  die "$what (after ${seconds} s)"
}

# --- the test material --------------------------------------------------------------------------
step "test material: the test PKI (tests/sim/pki) and the card personas (fictional people, test keys)"
bash tests/sim/pki/onshi-test-pki "$work/pki" >/dev/null &
pki_job=$!
"$build/tests/sim/cardsim/onshi-jpki-personas" --out "$work/jpki" >/dev/null
"$build/tests/sim/cardsim/onshi-hpki-personas" --out "$work/hpki" >/dev/null
wait "$pki_job" || die "onshi-test-pki"
pki=$work/pki
say "PKI:      $(jq -r '[.clients // {} | keys[]] | length' "$pki/manifest.json" 2>/dev/null || echo "?") client certificates, CA chain, CRL, server certificate"
say "personas: $(ls "$work/jpki"/jpki-*.json | wc -l) My Number cards, $(ls "$work/hpki"/hpki-*.json | wc -l) HPKI cards"
holder() { jq -r --arg p "$1" ".cards[] | select(.persona == \$p) | .insured_person.$2" "$work/jpki/manifest.json"; }

# --- the reference eligibility service ---------------------------------------------------------
step "onshi-eligsim: the reference eligibility service (mutual TLS, the test PKI's CRL)"
"$eligsim" --cert "$pki/server/server.pem" --key "$pki/server/server.key" \
  --chain "$pki/server/server-chain.pem" --client-ca "$pki/ca-chain.pem" --crl "$pki/crl.pem" \
  --personas "$work/jpki" --port-file "$work/eligsim.ports" >"$work/eligsim.log" 2>&1 &
eligsim_pid=$!
ports_written() { [ -f "$work/eligsim.ports" ] && [ "$(wc -l <"$work/eligsim.ports")" -ge 2 ]; }
until_ok 20 "onshi-eligsim did not start" ports_written
eligsim_port=$(sed -n 1p "$work/eligsim.ports")
say "listening on https://localhost:$eligsim_port/oqs-sim/v1 (control: 127.0.0.1:$(sed -n 2p "$work/eligsim.ports"))"

# --- the emulated face readers -----------------------------------------------------------------
step "onshi-facesim: two emulated face readers (USB under umockdev), their own pcscd + libccid"
ctl=$work/facesim.ctl
"$facesim" --readers 2 --pcscd-socket "$work/pcscd.comm" --control "$ctl" --typing-ms 300 \
  --env-file "$work/facesim.env" --ready-file "$work/facesim.ready" --log "$work/facesim.log" \
  >>"$work/facesim.log" 2>&1 &
facesim_pid=$!
until_ok 30 "onshi-facesim did not start" test -s "$work/facesim.ready"
# face <command...>: one control command for the people at the readers ("ok…" or the demo stops).
face() {
  local answer
  answer=$("$facesim" ctl "$ctl" "$@") || die "facesim ctl $1 $2: $answer"
}
say "FACE0001 and FACE0002 plugged in, empty slots; pcscd on $work/pcscd.comm (private)"

# --- onshid's configuration and the client certificate -----------------------------------------
step "onshid's configuration (test mode: the readers are emulated) and the client certificate"
pin_of() { sed -n "s|^$1 ||p" "$pki/pins.txt"; }
socket=$work/api.sock
config=$work/onshi.toml
mkdir -p "$work/state" "$work/ledger"
cat >"$config" <<EOF
terminal_name = "受付1号機"
state_dir = "$work/state"
test_mode = true  # emulated readers; never on a clinic's machine

[[institutions]]
code = "2714206386"
name = "オンシ内科クリニック"

[certificates]
ca_file = "$pki/ca-chain.pem"
crl_file = "$pki/crl.pem"
owner = "root"  # the user onshid runs as (here the demo's)

[api]
socket = "$socket"
socket_group = "root"
allowed_users = ["root"]
allowed_groups = []

[upstream]
url = "https://localhost:$eligsim_port/oqs-sim/v1"
pins = ["$(pin_of intermediate-ca.pem)", "$(pin_of root-ca.pem)"]
server_ca_file = "$pki/root-ca.pem"

[[face_reader]]
serial = "FACE0001"
institution = "2714206386"

[[face_reader]]
serial = "FACE0002"
institution = "2714206386"

[ledger]
directory = "$work/ledger"

[log]
level = "info"
EOF
check=$("$onshictl" config check "$config" 2>&1) || die "the configuration: $check"
say "$config: 1 institution, upstream pinned on the test intermediate and root CA, 2 face readers"
echo "  onshictl cert import (the PKCS#12 password on stdin, never on the command line):"
imported=$("$onshictl" cert import "$pki/clients/good-rsa.p12" --password-stdin --config "$config" \
  <"$pki/clients/password" 2>&1) || die "onshictl cert import: $imported"
grep -E '^Imported|subject:|valid:|days left:|Ledger:' <<<"$imported" | sed 's/^/    /'

# --- onshid ------------------------------------------------------------------------------------
step "onshid: the agent (local API on $socket)"
# onshid sees the emulated USB devices through umockdev's preload and facesim's UMOCKDEV_DIR, the
# card slots through the private pcscd's socket.
(
  set -a
  . "$work/facesim.env"
  exec env PCSCLITE_CSOCK_NAME="$work/pcscd.comm" "$onshid" --config "$config"
) >"$work/onshid.log" 2>&1 &
onshid_pid=$!

# api <METHOD> <path> [json body] [header...]: one call on the socket; the body goes to stdout, the
# HTTP status to $work/status. POSTs get a fresh Idempotency-Key, as the API wants.
api() {
  local method=$1 path=$2 body=${3:-'{}'}
  shift $(($# < 3 ? $# : 3))
  local args=(-sS --max-time 75 --unix-socket "$socket" -X "$method" -o "$work/reply" -w '%{http_code}')
  if [ "$method" = POST ]; then
    args+=(-H 'Content-Type: application/json' -H "Idempotency-Key: demo-$(cat /proc/sys/kernel/random/uuid)"
      --data-binary "$body")
  fi
  for h in "$@"; do args+=(-H "$h"); done
  curl "${args[@]}" "http://onshid$path" >"$work/status" || { echo 000 >"$work/status"; return 1; }
  cat "$work/reply"
}
status() { cat "$work/status"; }
health() { api GET /v1/health 2>/dev/null; }
healthy() { kill -0 "$onshid_pid" 2>/dev/null || die "onshid exited"; health >/dev/null; }
paired() {  # both face readers connected and paired with their PC/SC card slots
  [ "$(health | jq '[.face_readers.readers[]? | select(.connected and .card_slot)] | length')" -ge 2 ]
}
until_ok 20 "onshid's API did not answer" healthy
until_ok 30 "the face readers did not pair with their card slots" paired
health | jq -r '"  pcscd \(.pcscd.state), \(.readers) card readers, certificate \(.institutions[0].certificate.state) (\(.institutions[0].certificate.days_left) days left)",
  (.face_readers.readers[] | "  face reader \(.serial) (\(.vendor) \(.model) \(.firmware)) paired with \"\(.card_slot)\"")'

# --- card sessions through the API -------------------------------------------------------------
# events_until <id> <type>: long-poll the verification's events until <type> (fails on the end).
events_until() {
  local id=$1 type=$2 after=0 reply
  for _ in $(seq 20); do
    reply=$(api GET "/v1/verifications/$id/events?after=$after&wait=5") || return 1
    jq -e --arg t "$type" 'any(.events[]; .type == $t)' <<<"$reply" >/dev/null && return 0
    after=$(jq '.last_seq' <<<"$reply")
    [ "$(jq '.finished' <<<"$reply")" = true ] && return 1
  done
  return 1
}
# outcome <collection> <id>: long-poll until the verification has finished; its JSON.
outcome() {
  local reply
  for _ in $(seq 12); do
    reply=$(api GET "/v1/$1/$2?wait=10") || die "GET /v1/$1/$2"
    [ "$(status)" = 200 ] && { printf '%s' "$reply"; return 0; }
    [ "$(status)" = 202 ] || die "GET /v1/$1/$2: HTTP $(status): $reply"
  done
  die "$1 $2 did not finish: $reply"
}
# start <collection> <json>: POST it; the new id.
start() {
  local reply
  reply=$(api POST "/v1/$1" "$2") || die "POST /v1/$1"
  case "$(status)" in 200 | 202) ;; *) die "POST /v1/$1: HTTP $(status): $reply" ;; esac
  jq -r .id <<<"$reply"
}
# card_session <collection> <json> <reader 0|1> <persona file>: receipt software asks first, then
# the patient puts the card on the reader (a card put there with nothing pending would start a
# session of the reader's own); the finished verification's JSON.
card_session() {
  local id
  id=$(start "$1" "$2")
  events_until "$id" waiting_for_card || die "$id never waited for the card"
  face insert "$3" "$4"
  outcome "$1" "$id" >"$work/outcome.json"
  face remove "$3"
  # The next patient comes only once onshid has seen this card go and the session has ended.
  until_ok 20 "onshid did not see the card leave FACE000$(($3 + 1))" slot_empty "FACE000$(($3 + 1))"
  until_ok 20 "the card session did not end" idle
  cat "$work/outcome.json"
}
slot_empty() { api GET /v1/readers | jq -e --arg s "$1" 'any(.readers[]; .serial == $s and (.card_present | not))' >/dev/null; }
idle() { health | jq -e '.card_sessions | length == 0' >/dev/null; }
steps_of() {  # the progress events of a verification, as one line
  api GET "/v1/verifications/$1/events" | jq -r '[.events[].type] | join(" → ")'
}
show_result() {  # what receipt software reads out of a verification
  jq -r '
    def q: (.result.qualifications // [])[0] // {};
    def path: .result.path | "\(.method) (mode \(.mode))"
      + (if .after_face_failed then ", after \(.face_attempts) failed face attempts" else
         ", \(.face_attempts) face attempt(s)" end)
      + (if .pin_entry then ", PIN entered on the \(.pin_entry)" else "" end)
      + (if .pin_less then ", PIN-less card" else "" end)
      + ", token \(.token), reader \(.reader)";
    if .state != "succeeded" then "  FAILED: \(.error.code): \(.error.message)" else
    (if .result.path then "  path:      \(path)" else empty end),
    "  by:        \(.result.header.reference_classification.meaning) (照会区分 \(.result.header.reference_classification.code))",
    "  name:      \(q.name) (\(q.name_kana)), born \(q.birthdate), \(q.personal_family.meaning // "")",
    "  insurer:   \(q.insurer.name) (\(q.insurer.number)), 記号 \(q.symbol // "-") 番号 \(q.number) 枝番 \(q.branch // "-")",
    "  validity:  \(.result.validity.meaning) (code \(.result.validity.code)), qualified since \(q.qualification_date)",
    "  burden:    \(if q.burden_ratio then "\(q.burden_ratio.percent) % (code \(q.burden_ratio.code))" else "-" end)",
    (if .result.consents_answered then
     "  consents:  \(.result.consents_answered | to_entries | map("\(.key) \(.value)") | join(", ") |
                   if . == "" then "none asked (the request said consents: [])" else . end)"
     else empty end),
    (if q.limit_certificate then
     "  限度額:    \(q.limit_certificate.classification.meaning), 区分 \(q.limit_certificate.applied_class.meaning)"
     else empty end)
    end' "$@"
}

step "1. My Number card, face match (FACE0001): 試験 太郎 puts his card on the reader"
face face 0 match 910
# The patient's answers to the reader's six consent questions (medication, health checkups,
# diagnosis, operations, limit certificate, specific diseases).
face consent 0 yes,no,yes,skip,yes,no
v=$(card_session verifications '{"method":"mynumber","reader":"FACE0001"}' 0 "$work/jpki/jpki-card.json")
echo "$v" >"$work/v1.json"
show_result "$work/v1.json"
say "steps:     $(steps_of "$(jq -r .id <<<"$v")")"
[ "$(jq -r .state <<<"$v")" = succeeded ] || die "the face verification failed"

step "2. face mismatch, then the PIN on the reader's pad (FACE0001): 模擬 次郎"
for _ in 1 2 3; do face face 0 mismatch; done
# What the patient types on the emulated pad at the PIN prompt: it goes from the pad straight to
# the card (PC/SC secure PIN entry); neither onshid nor the API ever sees it.
face pad 0 type "$(jq -r .jpki.auth_pin.value "$work/jpki/jpki-card-2023.json")"
v=$(card_session verifications '{"method":"mynumber","reader":"FACE0001","consents":[]}' 0 "$work/jpki/jpki-card-2023.json")
echo "$v" >"$work/v2.json"
show_result "$work/v2.json"
say "steps:     $(steps_of "$(jq -r .id <<<"$v")")"
say "the card got a VERIFY of $(
  "$facesim" ctl "$ctl" status 0 | sed 's/^ok //' | jq -r '.verify_lcs | last'
) byte(s) from the pad (the PIN's length: never padded, never from the host)"
[ "$(jq -r .state <<<"$v")" = succeeded ] || die "the PIN fallback failed"

step "3. an insurance card (個別照会): 見本 花子's 保険証, typed in by the receptionist"
birth=$(holder jpki-smartphone birth_date)
request=$(jq -n --arg i "$(holder jpki-smartphone insurer_number)" \
  --arg s "$(holder jpki-smartphone insured_card_symbol)" \
  --arg n "$(holder jpki-smartphone insured_identification_number)" \
  --arg b "$(holder jpki-smartphone insured_branch_number)" \
  --arg d "${birth:0:4}-${birth:4:2}-${birth:6:2}" \
  '{method: "insurance_card", insurer_number: $i, symbol: $s, number: $n, branch: $b,
    birthdate: $d, limit_consent: true}')
say "POST /v1/verifications $(jq -c . <<<"$request")"
# Prefer: wait=N makes the POST itself wait for the outcome.
v=$(api POST /v1/verifications "$request" "Prefer: wait=30") || die "POST /v1/verifications"
[ "$(status)" = 200 ] || die "the insurance-card query: HTTP $(status): $v"
echo "$v" >"$work/v3.json"
show_result "$work/v3.json"
[ "$(jq -r .state <<<"$v")" = succeeded ] || die "the insurance-card query failed"

step "4. an HPKI signature (FACE0002): the doctor's card (医師資格証, JMA profile), PIN on the pad"
printf 'Rp. 1) ロキソプロフェン錠60mg 3錠 分3 毎食後 5日分\n' >"$work/prescription.txt"
digest=$(sha256sum "$work/prescription.txt" | cut -d' ' -f1)
say "the document's SHA-256: $digest"
face pad 1 type "$(jq -r .hpki.signature.pin.value "$work/hpki/hpki-jma-doctor.json")"
v=$(card_session signatures "{\"sha256\":\"$digest\",\"reader\":\"FACE0002\"}" 1 "$work/hpki/hpki-jma-doctor.json")
echo "$v" >"$work/v4.json"
[ "$(jq -r .state <<<"$v")" = succeeded ] || die "the signature: $(jq -c .error <<<"$v")"
jq -r '.result |
  "  holder:    \(.holder.name_kanji) (\(.holder.name)), certificate valid until \(.holder.certificate_not_after)",
  "  hcRole:    \(.holder.roles | join(", "))\(if .holder.non_repudiation then " (nonRepudiation key)" else "" end)",
  "  profile:   \(.profile), application \(.application), \(.algorithm)",
  "  pin entry: \(.path.pin_entry) (reader \(.path.reader), APDUs by \(.path.apdu_path))",
  "  onshid checked it with the card'"'"'s certificate: \(.verified_with_certificate)"' "$work/v4.json"
say "steps:     $(steps_of "$(jq -r .id <<<"$v")")"
# The check is openssl's, not onshi's: the certificate in the answer, its chain to the test HPKI
# root, and the signature over the document itself.
jq -r .result.certificate "$work/v4.json" | base64 -d | openssl x509 -inform der -out "$work/doctor.pem"
jq -r .result.signature "$work/v4.json" | base64 -d >"$work/signature.bin"
openssl x509 -in "$work/doctor.pem" -noout -subject -issuer -enddate -nameopt utf8,sep_comma_plus |
  sed 's/^/  cert:      /'
chain=$(openssl verify -CAfile "$work/hpki/hpki-root.pem" -untrusted "$work/hpki/hpki-sign-ca.pem" \
  "$work/doctor.pem" 2>&1) || die "the certificate's chain: $chain"
say "openssl verify (chain to the test HPKI root): ${chain##*: }"
openssl x509 -in "$work/doctor.pem" -noout -pubkey >"$work/doctor.pub"
check=$(openssl dgst -sha256 -verify "$work/doctor.pub" -signature "$work/signature.bin" \
  "$work/prescription.txt" 2>&1) || die "the signature does not verify: $check"
say "openssl dgst -sha256 -verify (the document, the signature): $check"
# …and the check can fail: one changed character and the signature no longer fits.
sed 's/5日分/7日分/' "$work/prescription.txt" >"$work/changed.txt"
if openssl dgst -sha256 -verify "$work/doctor.pub" -signature "$work/signature.bin" "$work/changed.txt" >/dev/null 2>&1; then
  die "a changed document verified"
fi
say "the same check on the document with 5日分 changed to 7日分: Verification failure"

step "onshid afterwards (GET /v1/health)"
health | jq -r '"  status \(.status), upstream \(.upstream.state), journal \(.journal.entries) entries (\(.journal.unfinished) unfinished)"'

if $keep; then
  step "everything keeps running: explore (Ctrl-C stops it all)"
  cat <<EOF
  onshid's API:   $socket   (its log: $work/onshid.log)
    curl -s --unix-socket $socket http://onshid/v1/health | jq
    curl -s --unix-socket $socket http://onshid/v1/readers | jq
    curl -s --unix-socket $socket 'http://onshid/v1/events?wait=30' | jq
    curl -s --unix-socket $socket -H 'Idempotency-Key: try-1' -H 'Prefer: wait=30' \\
      -H 'Content-Type: application/json' \\
      -d '$(jq -c . <<<"$request")' http://onshid/v1/verifications | jq
  a patient at FACE0001 (start a session, then put the card on the reader):
    curl -s --unix-socket $socket -H "Idempotency-Key: \$(cat /proc/sys/kernel/random/uuid)" \\
      -d '{"method":"mynumber","reader":"FACE0001"}' http://onshid/v1/verifications | jq .id
    $facesim ctl $ctl face 0 match
    $facesim ctl $ctl insert 0 $work/jpki/jpki-card.json
    curl -s --unix-socket $socket 'http://onshid/v1/verifications/<id>?wait=30' | jq
    $facesim ctl $ctl remove 0
  onshictl (asks onshid first):
    $onshictl --config $config readers
    $onshictl cert status --config $config
    $onshictl --config $config card info     (with a card on a reader)
  the readers: $facesim ctl $ctl status
EOF
  while :; do
    kill -0 "$onshid_pid" 2>/dev/null || die "onshid exited"
    sleep 1 &
    wait $! || true
  done
fi