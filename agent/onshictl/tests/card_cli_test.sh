#!/bin/sh
# onshictl card … against emulated cards in a private pcscd (onshi-simrig), one case per ctest.
# Usage: card_cli_test.sh CASE SIMRIG ONSHICTL PERSONA_DIR GENERIC_PERSONA
# Each case prints what it ran and exits non-zero with a reason when onshictl misbehaves.
set -u
case_name=$1 rig=$2 ctl=$3 dir=$4 generic=$5
out=$(mktemp) && trap 'rm -f "$out"' EXIT

die() { echo "FAIL: $*"; echo "--- output:"; cat "$out"; exit 1; }
expect() { grep -q -- "$1" "$out" || die "expected: $1"; }
# A section's PIN from a persona file (test values only).
pin_of() { sed -n "/\"$2\"/,/}/s/.*\"value\": \"\([^\"]*\)\".*/\1/p" "$1" | head -1; }
# Runs a shell snippet with the card in the reader; $CTL is onshictl inside it.
with_card() { CTL=$ctl "$rig" --card "$1" -- sh -c "$2" >"$out" 2>&1; }

case $case_name in
info_my_number_card)
  with_card "$dir/jpki-card.json" '"$CTL" card info --json' || die "exit $?"
  expect '"kind": "my_number_card"'
  expect '"tries_left": 3'
  expect '"tries_left": 5'
  expect '"via": "hardware directly (onshid not answering'
  expect '"key": "RSA-2048"'
  ;;
info_pin_less_and_smartphone)
  with_card "$dir/jpki-pinless.json" '"$CTL" card info' || die "exit $?"
  expect 'PIN-less card'
  expect 'auth PIN (0018): not set'
  with_card "$dir/jpki-smartphone.json" '"$CTL" card info' || die "exit $?"
  expect 'smartphone, Android'
  expect '券面事項入力補助 PIN (0011): no such application'
  ;;
info_unknown_card)
  with_card "$generic" '"$CTL" card info' || die "exit $?"
  expect 'Card: unknown card'
  ;;
verify_pin_reads_stdin)
  pin=$(pin_of "$dir/jpki-card.json" auth_pin)
  with_card "$dir/jpki-card.json" "echo $pin | \"\$CTL\" card verify-pin" || die "exit $?"
  expect 'JPKI auth PIN (0018): correct (3 tries were left'
  expect 'powered down'
  ;;
wrong_pin_exits_4_and_last_try_is_refused)
  pin=$(pin_of "$dir/jpki-card.json" auth_pin)
  with_card "$dir/jpki-card.json" "
    echo 9999 | \"\$CTL\" card verify-pin; echo rc=\$?
    echo 9998 | \"\$CTL\" card verify-pin; echo rc=\$?
    echo $pin | \"\$CTL\" card verify-pin; echo rc=\$?
    \"\$CTL\" card info"
  expect '2 tries left'
  expect '1 try left'
  expect 'pin_last_try'
  expect '\-\-use-last-try'
  [ "$(grep -c '^rc=4' "$out")" = 3 ] || die "every refused or wrong PIN must exit 4"
  expect 'auth PIN (0018): 1 of 3 tries left (LAST TRY)'
  ;;
use_last_try_spends_it)
  pin=$(pin_of "$dir/jpki-card.json" auth_pin)
  with_card "$dir/jpki-card.json" "
    echo 9999 | \"\$CTL\" card verify-pin; echo 9998 | \"\$CTL\" card verify-pin
    echo $pin | \"\$CTL\" card verify-pin --use-last-try; echo rc=\$?
    \"\$CTL\" card info"
  expect '^rc=0'
  expect 'auth PIN (0018): 3 of 3 tries left'
  ;;
sign_p384_verifies)
  pin=$(pin_of "$dir/jpki-p384.json" auth_pin)
  with_card "$dir/jpki-p384.json" "echo $pin | \"\$CTL\" card sign" || die "exit $?"
  expect 'ECDSA P-384'
  expect "Verified with the card's certificate: yes"
  ;;
cert_is_the_personas_certificate)
  with_card "$dir/jpki-card.json" '"$CTL" card cert 2>/dev/null' || die "exit $?"
  sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$out" | cmp -s - "$dir/jpki-card-auth.pem" ||
    die "the PEM differs from the persona's certificate"
  ;;
hpki_info)
  with_card "$dir/../hpki/hpki-jma-doctor.json" '"$CTL" card info' || die "exit $?"
  expect 'Card: HPKI card'
  expect 'profile JMA'
  expect 'role:    Medical Doctor'
  expect '15 of 15 tries left'
  with_card "$dir/../hpki/hpki-bad-keyusage.json" '"$CTL" card info' || die "exit $?"
  expect 'PROBLEM: .*nonRepudiation'
  ;;
hpki_sign_digest)
  pin=$(sed -n '/"signature"/,/"authentication"/s/.*"value": "\([^"]*\)".*/\1/p' "$dir/../hpki/hpki-jahis-clinic.json" | head -1)
  digest=$(printf 'prescription' | sha256sum | cut -d' ' -f1)
  with_card "$dir/../hpki/hpki-jahis-clinic.json" "echo '$pin' | \"\$CTL\" card sign --hpki --digest $digest" || die "exit $?"
  expect 'Signed with the HPKI signature key (JAHIS'
  expect 'Holder: .*(Director of Clinic)'
  expect "Verified with the card's certificate: yes"
  ;;
pin_never_from_argv)
  # No option takes a PIN: CLI11 rejects one given as an argument (exit 2), and nothing is sent.
  with_card "$dir/jpki-card.json" '"$CTL" card verify-pin --pin-value 1234; echo rc=$?; "$CTL" card info'
  expect '^rc=2'
  expect 'auth PIN (0018): 3 of 3 tries left'
  ;;
*)
  echo "unknown case $case_name"; exit 2 ;;
esac
echo "PASS: $case_name"
