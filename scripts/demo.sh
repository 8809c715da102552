#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): installs what it needs, builds onshi, and
# shows what a technician sees with onshictl when patients' My Number cards and a doctor's HPKI
# card (emulated, behind a private pcscd: nothing on the system is touched) are put on the reader,
# types a PIN on the emulated face reader's pad (secure PIN entry through the real libccid), then
# imports the terminal's client certificate (a test PKI) and checks the mutual-TLS path to a
# reference server on loopback, and asks the reference eligibility service (onshi-eligsim, a model
# of the interface) about a patient: by insurance card, then by the emulated My Number card.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh test
cmake --preset release >/dev/null
cmake --build --preset release -j "${ONSHI_JOBS:-2}" --target onshictl onshi-simrig onshi-jpki-personas \
  onshi-hpki-personas onshi-tls-testserver onshi-eligsim onshi-facesim

build=build/release
personas=$(mktemp -d /tmp/onshi-demo.XXXXXX)
server_pid=
eligsim_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ -n "$eligsim_pid" ]; then kill "$eligsim_pid" 2>/dev/null || true; fi
  rm -rf "$personas"
}
trap cleanup EXIT
# No onshid runs in this demo: onshictl says so and acts on the hardware itself.
export ONSHI_API_SOCKET=$personas/no-onshid.sock

rig() { "$build/tests/sim/fixture/onshi-simrig" --card "$personas/$1.json" -- sh -c "$2"; }
step() { printf '\n=== %s\n' "$*"; }
pin_of() { sed -n "/\"$2\"/,/}/s/.*\"value\": \"\([^\"]*\)\".*/\1/p" "$personas/$1.json" | head -1; }

step "test PKI and My Number personas (fictional holders, test keys): onshi-jpki-personas"
"$build/tests/sim/cardsim/onshi-jpki-personas" --out "$personas"

step "onshictl readers, with a My Number card on the reader"
rig jpki-card "$build/agent/onshictl readers"

step "onshictl card info: certificate and PIN counters, without spending a try"
rig jpki-card "$build/agent/onshictl card info"

step "the PIN, typed on stdin (never on the command line): right, then two wrong, then refused"
auth=$(pin_of jpki-card auth_pin)
rig jpki-card "
  echo $auth | $build/agent/onshictl card verify-pin
  echo 0000 | $build/agent/onshictl card verify-pin
  echo 0001 | $build/agent/onshictl card verify-pin
  echo $auth | $build/agent/onshictl card verify-pin
  echo \"(exit \$?: the last try needs --use-last-try)\"
  $build/agent/onshictl card info | grep 'auth PIN'" || true

step "a test signature with the authentication key"
rig jpki-card "echo $auth | $build/agent/onshictl card sign"

step "a smartphone (スマホ用電子証明書) and a PIN-less card (invented marker)"
rig jpki-smartphone "$build/agent/onshictl card info | grep -E '^Card|0011'"
rig jpki-pinless "$build/agent/onshictl card info | grep -E '^Card|PIN-less|0018'"

step "the invented ECDSA P-384 card (the 2026 card's commands are not public)"
rig jpki-p384 "echo $(pin_of jpki-p384 auth_pin) | $build/agent/onshictl card sign"

step "a doctor's HPKI card (医師資格証, JMA profile): holder, hcRole, tries left; then a signature"
"$build/tests/sim/cardsim/onshi-hpki-personas" --out "$personas/hpki" >/dev/null
hpki_pin=$(sed -n '/"signature"/,/"authentication"/s/.*"value": "\([^"]*\)".*/\1/p' "$personas/hpki/hpki-jma-doctor.json" | head -1)
"$build/tests/sim/fixture/onshi-simrig" --card "$personas/hpki/hpki-jma-doctor.json" -- sh -c "
  $build/agent/onshictl card info
  echo '$hpki_pin' | $build/agent/onshictl card sign --hpki --digest $(printf 'prescription' | sha256sum | cut -d' ' -f1)"

step "the same card info, as JSON for scripts"
rig jpki-card "$build/agent/onshictl card info --json"

step "the emulated face reader (onshi-facesim: USB under umockdev, real pcscd + libccid): its PIN pad"
face=$personas/face
mkdir -p "$face"
"$build/tests/sim/facesim/onshi-facesim" --pcscd-socket "$face/pcscd.comm" --control "$face/ctl" \
  --card "0=$personas/jpki-card.json" --log "$face/log" -- sh -c "
  export PCSCLITE_CSOCK_NAME=$face/pcscd.comm
  sleep 1
  opensc-tool -l
  echo '--- the patient types the right PIN on the pad (the PIN never reaches the PC):'
  $build/tests/sim/facesim/onshi-facesim ctl $face/ctl pad 0 type $(pin_of jpki-card auth_pin) >/dev/null
  $build/agent/onshictl card verify-pin < /dev/null
  echo '--- a wrong PIN on the pad, then cancel on the pad (no try spent):'
  $build/tests/sim/facesim/onshi-facesim ctl $face/ctl pad 0 type 0000 >/dev/null
  $build/agent/onshictl card verify-pin < /dev/null || true
  $build/tests/sim/facesim/onshi-facesim ctl $face/ctl pad 0 cancel >/dev/null
  $build/agent/onshictl card verify-pin < /dev/null || true
  echo '--- what the card received: the Lc of every VERIFY (4: never a padded template)'
  $build/tests/sim/facesim/onshi-facesim ctl $face/ctl status 0 | grep -oE '\"(serial|secure_verifies|verify_lcs)\":(\[[^]]*\]|[^],}]*)'"

step "the terminal's client certificate: a test PKI standing in for the 共通認証局 (tests/sim/pki)"
pki=$personas/pki
bash tests/sim/pki/onshi-test-pki "$pki" >/dev/null
pin_line() { sed -n "s|^$1 ||p" "$pki/pins.txt"; }
"$build/tests/sim/tlsserver/onshi-tls-testserver" --listen 127.0.0.1:0 --port-file "$personas/port" \
  --cert "$pki/server/server.pem" --key "$pki/server/server.key" --chain "$pki/intermediate-ca.pem" \
  --client-ca "$pki/ca-chain.pem" --crl "$pki/crl.pem" 2>"$personas/server.log" &
server_pid=$!
for _ in $(seq 50); do [ -s "$personas/port" ] && break; sleep 0.1; done
port=$(head -1 "$personas/port")
write_config() {
  cat > "$personas/onshi.toml" <<EOF
terminal_name = "受付1号機"
state_dir = "$personas/state"
test_mode = true
[[institutions]]
code = "2714206386"
name = "オンシ内科クリニック"
[certificates]
ca_file = "$pki/ca-chain.pem"
crl_file = "$pki/crl.pem"
owner = "nobody"  # onshid's user on a terminal; an import run as root hands the store to it
[upstream]
url = "https://localhost:$port/"
pins = ["$1", "$2"]
server_ca_file = "$pki/root-ca.pem"
EOF
}
write_config "$(pin_line intermediate-ca.pem)" "$(pin_line root-ca.pem)"
ctl() { "$build/agent/onshictl" "$@" --config "$personas/onshi.toml"; }

step "onshictl cert import: a revoked certificate is refused (password on stdin, never argv)"
ctl cert import "$pki/clients/revoked.p12" --password-stdin < "$pki/clients/password" ||
  echo "(exit $?: nothing was stored)"

step "onshictl cert import: the terminal's certificate, exported with legacy encryption"
ctl cert import "$pki/clients/legacy.p12" --password-stdin < "$pki/clients/password"

step "onshictl cert status: days left in Japan time, warning stage, next action"
ctl cert status

step "onshictl tls pin: one pin per certificate of the server's verified chain"
ctl tls pin "localhost:$port" --ca-file "$pki/root-ca.pem"

step "onshictl tls check: the whole path, mutual TLS, pinned on the intermediate CA"
ctl tls check --path /echo

step "the same check with pins the server's chain does not match: fatal, never a warning"
write_config "$(pin_line other-ca.pem)" "$(pin_line intermediate-b.pem)"
ctl tls check --path /echo || echo "(exit $?)"

step "onshi-eligsim, the reference eligibility service (modelled, not the official interface)"
"$build/tests/sim/eligsim/onshi-eligsim" --port-file "$personas/eligsim.ports" \
  --cert "$pki/server/server.pem" --key "$pki/server/server.key" --chain "$pki/server/server-chain.pem" \
  --client-ca "$pki/ca-chain.pem" --crl "$pki/crl.pem" --personas "$personas" 2>"$personas/eligsim.log" &
eligsim_pid=$!
for _ in $(seq 50); do [ -s "$personas/eligsim.ports" ] && break; sleep 0.1; done
head -1 "$personas/eligsim.log"
api="https://localhost:$(head -1 "$personas/eligsim.ports")/oqs-sim/v1"
client=(--cert "$pki/clients/good-rsa.pem" --key "$pki/clients/good-rsa.key" --cacert "$pki/root-ca.pem"
  --pinnedpubkey "$(pin_line server/server.pem)" -s -S -H 'Content-Type: application/json;charset=UTF-8')
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -1; }
token=$(curl "${client[@]}" "$api/auth" -d '{"medicalInstitutionCode":"2714206386"}' | tr ',' '\n' | field accessToken)
echo "access token: ${token:0:16}… (bound to the client certificate)"

step "個別照会 by insurance card: the holder of jpki-card (XmlMsg as JSON, leaves as strings)"
manifest=$personas/manifest.json
header='"MessageHeader":{"QualificationConfirmationDate":"'$(TZ=Asia/Tokyo date +%Y%m%d)'","MedicalInstitutionCode":"2714206386","ArbitraryFileIdentifier":"demo-1"}'
search='{"InsurerNumber":"'$(field insurer_number < "$manifest")'","InsuredCardSymbol":"'$(field insured_card_symbol < "$manifest")'","InsuredIdentificationNumber":"'$(field insured_identification_number < "$manifest")'","InsuredBranchNumber":"'$(field insured_branch_number < "$manifest")'","Birthdate":"'$(field birth_date < "$manifest")'","LimitApplicationCertificateRelatedConsFlg":"1"}'
curl "${client[@]}" -H "Authorization: $token" "$api/qualifications/search" \
  -d '{"XmlMsg":{'"$header"',"MessageBody":{"QualificationConfirmSearchInfo":['"$search"']}}}' | tr ',' '\n' |
  grep -E '"(SegmentOfResult|ProcessingResultStatus|QualificationValidity|Name|NameKana|InsurerNumber|InsurerName)"' | sed 's/}*$//'

step "the My Number card, PIN mode: a single-use challenge, signed on the card with onshictl"
curl "${client[@]}" -H "Authorization: $token" -X POST "$api/mynumber/challenge" > "$personas/challenge.json"
challenge_id=$(tr ',' '\n' < "$personas/challenge.json" | field challengeId)
tr ',' '\n' < "$personas/challenge.json" | field challenge | base64 -d > "$personas/challenge.bin"
rig jpki-card "$build/agent/onshictl card cert --out $personas/auth.der &&
  echo $auth | $build/agent/onshictl card sign --key auth --in $personas/challenge.bin --out $personas/proof.bin"
verify() {
  curl "${client[@]}" -H "Authorization: $token" "$api/mynumber/verify" -d '{"XmlMsg":{'"$header"',"MessageBody":{"MyNumberCardVerificationInfo":{"ChallengeId":"'$challenge_id'","VerificationMode":"1","UserAuthenticationCertificate":"'$(base64 -w0 "$personas/auth.der")'","Proof":"'$(base64 -w0 "$personas/proof.bin")'"}}}}' |
    tr ',' '\n' | grep -E '"(ReferenceClassification|ProcessingResult[A-Za-z]*|QualificationValidity|Name)"' | sed 's/}*$//; s/^"MessageBody":{//'
}
verify
step "the same proof again: the challenge was single-use, so a replay fails"
verify
