#!/usr/bin/env bash
# check-test-pki.sh DIR — checks a test PKI made by onshi-test-pki with the openssl command line (and,
# for manifest.json, cmake's JSON parser when cmake is found: $CMAKE_COMMAND or cmake on PATH).
# Prints one line per check; exits 1 when any check fails.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  printf 'usage: %s TEST_PKI_DIR\n' "${0##*/}" >&2
  exit 2
fi
dir=$1
[[ -d $dir ]] || {
  printf 'check-test-pki: %s is not a directory (run onshi-test-pki first)\n' "$dir" >&2
  exit 1
}
cd -- "$dir"
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
trap 'printf "check-test-pki: unexpected error at line %d\n" "$LINENO" >&2' ERR

failures=0
checks=0
pass() {
  checks=$((checks + 1))
  printf 'ok   %s\n' "$*"
}
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  printf 'FAIL %s\n' "$*"
}
# check DESCRIPTION COMMAND... — passes when the command succeeds.
check() {
  local what=$1
  shift
  if "$@" > "$scratch/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$scratch/out" | head -20; fi
}

password=onshi-test-pass
institution_a=2714206386 institution_b=2734206382 institution_other=1311234569
terminal=受付1号機
# name key institution issuer expect
clients=(
  "good-rsa          rsa2048 $institution_a     intermediate-ca ok"
  "good-ec           ec-p256 $institution_a     intermediate-ca ok"
  "good-b            rsa2048 $institution_b     intermediate-ca ok"
  "renewed           rsa2048 $institution_a     intermediate-ca ok"
  "legacy            rsa2048 $institution_a     intermediate-ca ok"
  "expiring-soon     rsa2048 $institution_a     intermediate-ca ok"
  "expired           rsa2048 $institution_a     intermediate-ca cert_expired"
  "not-yet-valid     rsa2048 $institution_a     intermediate-ca cert_not_yet_valid"
  "revoked           rsa2048 $institution_a     intermediate-ca cert_revoked"
  "other-ca          rsa2048 $institution_a     other-ca        cert_untrusted"
  "wrong-key         rsa2048 $institution_a     intermediate-ca cert_key_mismatch"
  "wrong-institution rsa2048 $institution_other intermediate-ca cert_wrong_institution"
)
declare -A org_of=([$institution_a]=オンシ内科クリニック [$institution_b]=オンシ歯科クリニック [$institution_other]=よその薬局)
servers=(server server-b server-expired server-other-ca server-wrong-name)

# --- helpers ----------------------------------------------------------------------------------------
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
cert_pub() { openssl x509 -in "$1" -noout -pubkey; }
key_pub() { openssl pkey -in "$1" -pubout; }
epoch_of() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }
same_key() { [[ $(cert_pub "$1") == "$(key_pub "$2")" ]]; }
differs_key() { [[ $(cert_pub "$1") != "$(key_pub "$2")" ]]; }
same_file() { cmp -s -- "$1" "$2"; }
is_concat() { # FILE PART...
  local f=$1
  shift
  cat -- "$@" | cmp -s -- - "$f"
}
# Splits a PEM file into PREFIX1.pem, PREFIX2.pem, ...; prints the count.
split_pem() {
  rm -f -- "$2"*.pem
  awk -v p="$2" '/^-----BEGIN /{n++} n{print > (p n ".pem")} END{print n+0}' "$1"
}
# verify_expect WHAT EXPECTED_MESSAGE|OK openssl-verify-arguments...
verify_expect() {
  local what=$1 want=$2 got
  shift 2
  got=$(openssl verify -nameopt oneline,-esc_msb "$@" 2>&1) || true
  if [[ $want == OK ]]; then
    if [[ $got == *": OK" ]]; then pass "$what"; else fail "$what: $got"; fi
  elif [[ $got == *"$want"* && $got != *": OK" ]]; then
    pass "$what"
  else
    fail "$what: wanted \"$want\", got: $got"
  fi
}
client_verify=(-crl_check_all -CRLfile crl.pem -CAfile root-ca.pem -untrusted intermediate-ca.pem -purpose sslclient)

# --- the files --------------------------------------------------------------------------------------
files=(root-ca.pem root-ca.key intermediate-ca.pem intermediate-ca.key intermediate-b.pem intermediate-b.key
  ca-chain.pem crl.pem other-ca.pem other-ca.key pins.txt manifest.json clients/password)
for s in "${servers[@]}"; do files+=("server/$s.pem" "server/$s.key" "server/$s-chain.pem"); done
for c in "${clients[@]}"; do
  read -r name _ <<< "$c"
  files+=("clients/$name.p12" "clients/$name.pem" "clients/$name.key")
done
missing=()
for f in "${files[@]}"; do [[ -s $f ]] || missing+=("$f"); done
if [[ ${#missing[@]} -eq 0 ]]; then pass "all ${#files[@]} files present"; else fail "missing or empty: ${missing[*]}"; fi
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'check-test-pki: %d of %d checks failed in %s\n' "$failures" "$checks" "$dir" >&2
  exit 1
fi

check "clients/password is exactly '$password' (no newline)" \
  test "$(od -An -c clients/password | tr -d ' \n')" = "$password"

# --- CAs --------------------------------------------------------------------------------------------
root_ok() {
  local nb na
  openssl verify -CAfile root-ca.pem root-ca.pem | grep -q ": OK$" &&
    openssl x509 -in root-ca.pem -noout -text | grep -q "Public-Key: (3072 bit)" &&
    openssl x509 -in root-ca.pem -noout -ext basicConstraints | grep -q "CA:TRUE" &&
    openssl x509 -in root-ca.pem -noout -subject | grep -q "CN = onshi Test Common CA Root$" &&
    nb=$(epoch_of root-ca.pem startdate) && na=$(epoch_of root-ca.pem enddate) &&
    [[ $(((na - nb) / 86400)) -ge 3652 && $(((na - nb) / 86400)) -le 3653 ]]
}
check "root-ca.pem: self-signed, RSA-3072, CA:TRUE, 10 years" root_ok
intermediate_ok() { # FILE CN
  openssl x509 -in "$1" -noout -ext basicConstraints | grep -q "CA:TRUE, pathlen:0" &&
    openssl x509 -in "$1" -noout -subject | grep -q "CN = $2\$"
}
for ca in intermediate-ca:"onshi Test Common CA Issuing 1" intermediate-b:"onshi Test Common CA Issuing 2"; do
  f=${ca%%:*}.pem cn=${ca#*:}
  verify_expect "$f: issued by the root" OK -CAfile root-ca.pem "$f"
  check "$f: CA:TRUE, pathlen:0, CN=$cn" intermediate_ok "$f" "$cn"
done
verify_expect "other-ca.pem: self-signed" OK -CAfile other-ca.pem other-ca.pem
verify_expect "other-ca.pem: unrelated to the root" "self-signed certificate" -CAfile root-ca.pem other-ca.pem
check "ca-chain.pem = intermediate-ca.pem + root-ca.pem" is_concat ca-chain.pem intermediate-ca.pem root-ca.pem
for k in root-ca intermediate-ca intermediate-b other-ca; do
  check "$k.key matches $k.pem" same_key "$k.pem" "$k.key"
done

# --- the CRL ----------------------------------------------------------------------------------------
n=$(split_pem crl.pem "$scratch/crl-")
revoked_serial=$(openssl x509 -in clients/revoked.pem -noout -serial | cut -d= -f2)
declare -A crl_issuers=()
entries=0
crl_ok=1
for i in $(seq 1 "$n"); do
  f=$scratch/crl-$i.pem
  text=$(openssl crl -in "$f" -noout -text)
  issuer=$(openssl crl -in "$f" -noout -issuer | sed 's/.*CN = //')
  crl_issuers[$issuer]=1
  entries=$((entries + $(grep -c "Serial Number:" <<< "$text" || true)))
  next=$(date -u -d "$(openssl crl -in "$f" -noout -nextupdate | cut -d= -f2)" +%s)
  days=$(((next - $(date -u +%s)) / 86400))
  [[ $days -ge 28 && $days -le 30 ]] || {
    crl_ok=0
    fail "CRL of $issuer: nextUpdate $days days ahead, wanted 30"
  }
  for ca in root-ca.pem intermediate-ca.pem intermediate-b.pem; do
    if [[ $(openssl crl -in "$f" -noout -issuer | cut -d= -f2-) == "$(openssl x509 -in "$ca" -noout -subject | cut -d= -f2-)" ]]; then
      openssl crl -in "$f" -noout -CAfile "$ca" > /dev/null 2>&1 || {
        crl_ok=0
        fail "CRL of $issuer: signature does not verify with $ca"
      }
    fi
  done
  if [[ $issuer == "onshi Test Common CA Issuing 1" ]]; then
    if grep -q "Serial Number: $revoked_serial" <<< "$text" && grep -A4 "Serial Number: $revoked_serial" <<< "$text" | grep -q "Key Compromise"; then
      pass "crl.pem: intermediate-ca's CRL revokes clients/revoked.pem (keyCompromise)"
    else
      fail "crl.pem: intermediate-ca's CRL does not revoke clients/revoked.pem with keyCompromise"
    fi
  fi
done
[[ $crl_ok -eq 1 ]] && pass "crl.pem: $n CRLs, signatures good, nextUpdate 30 days ahead"
if [[ -n ${crl_issuers["onshi Test Common CA Root"]:-} && -n ${crl_issuers["onshi Test Common CA Issuing 1"]:-} ]]; then
  pass "crl.pem: holds the root's and intermediate-ca's CRLs"
else
  fail "crl.pem: wanted the CRLs of the root and intermediate-ca, found: ${!crl_issuers[*]}"
fi
if [[ $entries -eq 1 ]]; then pass "crl.pem: exactly one revoked certificate"; else fail "crl.pem: $entries revoked certificates, wanted 1"; fi

legacy_encrypted() {
  local info
  info=$(openssl pkcs12 -legacy -in "$1" -passin file:clients/password -info -noout 2>&1) &&
    grep -q "pbeWithSHA1And40BitRC2-CBC" <<< "$info" && grep -q "pbeWithSHA1And3-KeyTripleDES-CBC" <<< "$info"
}
aes_encrypted() {
  local info
  info=$(openssl pkcs12 -in "$1" -passin file:clients/password -info -noout 2>&1) &&
    grep -q "PBES2, PBKDF2, AES-256-CBC" <<< "$info" && ! grep -qi "RC2\|3DES\|TripleDES" <<< "$info"
}

# --- clients ----------------------------------------------------------------------------------------
now=$(date -u +%s)
for c in "${clients[@]}"; do
  read -r name ktype code issuer expect <<< "$c"
  pem=clients/$name.pem key=clients/$name.key p12=clients/$name.p12
  case $expect in
    ok | cert_wrong_institution | cert_key_mismatch) verify_expect "$name: verifies (CRL checked)" OK "${client_verify[@]}" "$pem" ;;
    cert_expired) verify_expect "$name: expired" "certificate has expired" "${client_verify[@]}" "$pem" ;;
    cert_not_yet_valid) verify_expect "$name: not yet valid" "certificate is not yet valid" "${client_verify[@]}" "$pem" ;;
    cert_revoked) verify_expect "$name: revoked" "certificate revoked" "${client_verify[@]}" "$pem" ;;
    cert_untrusted)
      verify_expect "$name: untrusted under the root" "unable to get local issuer certificate" "${client_verify[@]}" "$pem"
      verify_expect "$name: issued by other-ca" OK -CAfile other-ca.pem -purpose sslclient "$pem"
      ;;
  esac
  want_subject="C=JP, O=${org_of[$code]}, OU=$terminal, CN=$code"
  got_subject=$(openssl x509 -in "$pem" -noout -subject -nameopt utf8,sep_comma_plus_space | sed 's/^subject=//')
  if [[ $got_subject == "$want_subject" ]]; then pass "$name: subject $got_subject"; else fail "$name: subject '$got_subject', wanted '$want_subject'"; fi
  text=$(openssl x509 -in "$pem" -noout -text)
  case $ktype in
    rsa2048) kt_ok=$(grep -c -e "Public-Key: (2048 bit)" -e "Digital Signature, Key Encipherment" <<< "$text" || true) ;;
    ec-p256) kt_ok=$(grep -c -e "ASN1 OID: prime256v1" -e "Digital Signature$" <<< "$text" || true) ;;
  esac
  if [[ $kt_ok -eq 2 ]] && grep -q "TLS Web Client Authentication" <<< "$text"; then
    pass "$name: $ktype, keyUsage and EKU clientAuth"
  else
    fail "$name: wanted $ktype with its keyUsage and EKU clientAuth"
  fi
  if [[ $name == wrong-key ]]; then
    check "$name: its certificate is good-rsa's" same_file "$pem" clients/good-rsa.pem
    check "$name: its key does not match its certificate" differs_key "$pem" "$key"
  else
    check "$name: key matches certificate" same_key "$pem" "$key"
  fi

  # The PKCS#12 file: opens with the password, holds this key, this leaf and the issuing CA.
  p12_args=()
  if [[ $name == legacy ]]; then
    if OPENSSL_CONF=/dev/null openssl pkcs12 -in "$p12" -passin file:clients/password -noenc -out /dev/null > "$scratch/out" 2>&1; then
      fail "$name: the p12 opens without -legacy (it must need the legacy provider)"
    else
      pass "$name: the p12 does not open without -legacy"
    fi
    p12_args=(-legacy)
    check "$name: RC2-40/3DES (legacy) encryption" legacy_encrypted "$p12"
  else
    check "$name: AES-256-CBC/PBKDF2 encryption" aes_encrypted "$p12"
  fi
  if openssl pkcs12 "${p12_args[@]}" -in "$p12" -passin file:clients/password -nokeys -out "$scratch/p12certs.pem" > "$scratch/out" 2>&1 &&
    openssl pkcs12 "${p12_args[@]}" -in "$p12" -passin file:clients/password -nocerts -noenc -out "$scratch/p12key.pem" > "$scratch/out" 2>&1; then
    pass "$name: the p12 opens with the password"
    count=$(split_pem "$scratch/p12certs.pem" "$scratch/part")
    fps=$(for i in $(seq 1 "$count"); do fingerprint "$scratch/part$i.pem"; done | sort)
    want=$(printf '%s\n' "$(fingerprint "$pem")" "$(fingerprint "$issuer.pem")" | sort)
    if [[ $fps == "$want" ]]; then pass "$name: the p12 holds the leaf and $issuer.pem"; else fail "$name: the p12's certificates are not the leaf + $issuer.pem"; fi
    if [[ $(key_pub "$scratch/p12key.pem") == "$(key_pub "$key")" ]]; then
      pass "$name: the p12 holds clients/$name.key"
    else
      fail "$name: the p12's key is not clients/$name.key"
    fi
  else
    fail "$name: the p12 does not open with the password"
    sed 's/^/       /' "$scratch/out" | head -5
  fi
done

nb_good=$(epoch_of clients/good-rsa.pem startdate)
na_good=$(epoch_of clients/good-rsa.pem enddate)
check "good-rsa: valid for 1186 days" test $(((na_good - nb_good) / 86400)) -eq 1186
check "renewed: a later notBefore than good-rsa" test "$(epoch_of clients/renewed.pem startdate)" -gt "$nb_good"
check "renewed: a new key" differs_key clients/good-rsa.pem clients/renewed.key
expires_in_20_days() {
  ! openssl x509 -in "$1" -noout -checkend $((20 * 86400 + 3600)) > /dev/null &&
    openssl x509 -in "$1" -noout -checkend $((19 * 86400)) > /dev/null
}
check "expiring-soon: expires in 20 days" expires_in_20_days clients/expiring-soon.pem
nb_future=$(epoch_of clients/not-yet-valid.pem startdate)
check "not-yet-valid: notBefore 30 days ahead" test $(((nb_future - now + 3600) / 86400)) -eq 30
check "expired: notAfter in the past" test "$(epoch_of clients/expired.pem enddate)" -lt "$now"

# --- servers ----------------------------------------------------------------------------------------
server_ca=(-CAfile root-ca.pem -untrusted intermediate-ca.pem -purpose sslserver)
verify_expect "server.pem: verifies for localhost (CRL checked)" OK "${server_ca[@]}" -crl_check_all -CRLfile crl.pem -verify_hostname localhost server/server.pem
for ip in 127.0.0.1 ::1; do
  verify_expect "server.pem: verifies for $ip (CRL checked)" OK "${server_ca[@]}" -crl_check_all -CRLfile crl.pem -verify_ip "$ip" server/server.pem
done
verify_expect "server-b.pem: verifies through intermediate-b for localhost (CRL checked)" OK -CAfile root-ca.pem -untrusted intermediate-b.pem \
  -purpose sslserver -crl_check_all -CRLfile crl.pem -verify_hostname localhost server/server-b.pem
verify_expect "server-b.pem: verifies for ::1" OK -CAfile root-ca.pem -untrusted intermediate-b.pem -purpose sslserver -verify_ip ::1 server/server-b.pem
verify_expect "server-expired.pem: expired" "certificate has expired" "${server_ca[@]}" -verify_hostname localhost server/server-expired.pem
check "server-expired.pem: validity entirely in the past" test "$(epoch_of server/server-expired.pem enddate)" -lt "$now"
verify_expect "server-other-ca.pem: untrusted under the root" "unable to get local issuer certificate" "${server_ca[@]}" server/server-other-ca.pem
verify_expect "server-other-ca.pem: issued by other-ca" OK -CAfile other-ca.pem -purpose sslserver -verify_hostname localhost server/server-other-ca.pem
verify_expect "server-wrong-name.pem: not for localhost" "hostname mismatch" "${server_ca[@]}" -verify_hostname localhost server/server-wrong-name.pem
verify_expect "server-wrong-name.pem: for wrong.example" OK "${server_ca[@]}" -verify_hostname wrong.example server/server-wrong-name.pem
san_of() { openssl x509 -in "$1" -noout -ext subjectAltName | tail -n +2 | tr -d ' '; }
check "server-wrong-name.pem: SAN is only DNS:wrong.example" test "$(san_of server/server-wrong-name.pem)" = DNS:wrong.example
for s in server server-b server-expired server-other-ca; do
  check "$s.pem: SAN DNS:localhost, IP:127.0.0.1, IP:::1" test "$(san_of "server/$s.pem")" = "DNS:localhost,IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1"
done
server_profile() {
  openssl x509 -in "$1" -noout -text | grep -q "Public-Key: (2048 bit)" &&
    openssl x509 -in "$1" -noout -ext extendedKeyUsage | grep -q "TLS Web Server Authentication"
}
for s in "${servers[@]}"; do
  check "$s: key matches certificate" same_key "server/$s.pem" "server/$s.key"
  case $s in
    server-b) ca=intermediate-b.pem ;;
    server-other-ca) ca=other-ca.pem ;;
    *) ca=intermediate-ca.pem ;;
  esac
  check "$s-chain.pem = $s.pem + $ca" is_concat "server/$s-chain.pem" "server/$s.pem" "$ca"
  check "$s: RSA-2048, EKU serverAuth" server_profile "server/$s.pem"
done

# --- pins -------------------------------------------------------------------------------------------
pin_files=(root-ca.pem intermediate-ca.pem intermediate-b.pem server/server.pem server/server-b.pem other-ca.pem)
expected_pins=$(for f in "${pin_files[@]}"; do
  printf '%s sha256//%s\n' "$f" "$(openssl x509 -in "$f" -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | openssl base64 -A)"
done)
if [[ $(cat pins.txt) == "$expected_pins" ]]; then
  pass "pins.txt: ${#pin_files[@]} pins match the recomputed SPKI SHA-256"
else
  fail "pins.txt does not match the recomputation:"
  diff <(printf '%s\n' "$expected_pins") pins.txt | sed 's/^/       /' || true
fi

# --- manifest.json ----------------------------------------------------------------------------------
cmake_bin=${CMAKE_COMMAND:-$(command -v cmake || true)}
if [[ -z $cmake_bin ]]; then
  printf 'skip manifest.json: no cmake to parse JSON with\n'
else
  cat > "$scratch/manifest.cmake" << 'EOF'
file(READ "${MANIFEST}" json)
string(JSON n ERROR_VARIABLE err LENGTH "${json}" clients)
if(err)
  file(WRITE "${OUT}" "error: ${err}\n")
  return()
endif()
set(text "")
foreach(key password_file subject_layout)
  string(JSON v ERROR_VARIABLE err GET "${json}" ${key})
  string(APPEND text "${key} ${v}\n")
endforeach()
foreach(key a b other)
  string(JSON v ERROR_VARIABLE err GET "${json}" institutions ${key})
  string(APPEND text "institution ${key} ${v}\n")
endforeach()
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  set(row "client")
  foreach(key name file institution key expect)
    string(JSON v ERROR_VARIABLE err GET "${json}" clients ${i} ${key})
    string(APPEND row " ${v}")
  endforeach()
  string(APPEND text "${row}\n")
endforeach()
file(WRITE "${OUT}" "${text}")
EOF
  want=$(
    printf 'password_file clients/password\n'
    printf 'subject_layout C=JP, O=<医療機関名称>, OU=<端末名称>, CN=<医療機関コード (10 digits)>\n'
    printf 'institution a %s\ninstitution b %s\ninstitution other %s\n' "$institution_a" "$institution_b" "$institution_other"
    for c in "${clients[@]}"; do
      read -r name ktype code _ expect <<< "$c"
      printf 'client %s clients/%s.p12 %s %s %s\n' "$name" "$name" "$code" "$ktype" "$expect"
    done
  )
  if "$cmake_bin" -DMANIFEST=manifest.json -DOUT="$scratch/manifest.txt" -P "$scratch/manifest.cmake" > "$scratch/out" 2>&1 &&
    [[ $(cat "$scratch/manifest.txt") == "$want" ]]; then
    pass "manifest.json: parses; clients, institutions, password_file and subject_layout as expected"
  else
    fail "manifest.json does not describe the set as expected:"
    diff <(printf '%s\n' "$want") "$scratch/manifest.txt" 2>&1 | sed 's/^/       /' || true
    sed 's/^/       /' "$scratch/out" | head -10
  fi
fi

if [[ $failures -ne 0 ]]; then
  printf 'check-test-pki: %d of %d checks failed in %s\n' "$failures" "$checks" "$dir" >&2
  exit 1
fi
printf 'check-test-pki: all %d checks passed in %s\n' "$checks" "$dir"
