#!/usr/bin/env bash
# Installs onshi's Debian 12 dependencies. Idempotent; run as root.
#
#   scripts/install-deps.sh runtime   what a clinic's terminal needs to build and run onshid
#   scripts/install-deps.sh test      runtime + what the tests, simulators and the demo need
#
# The runtime list never contains vsmartcard-vpcd: its package makes the system pcscd accept
# virtual cards from the network (test-rigs.md §1, "vpcd binds 0.0.0.0").
set -euo pipefail

RUNTIME_PACKAGES=(
  # build
  build-essential cmake pkg-config
  # PC/SC, USB, crypto, storage, service manager
  pcscd libccid libpcsclite-dev libusb-1.0-0-dev libssl-dev openssl libsqlite3-dev
  libsystemd-dev systemd
  acl  # setfacl, run by the face readers' udev rule (udev/README.md)
  # header libraries
  libboost-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libpugixml-dev libfmt-dev
)

TEST_PACKAGES=(
  # card emulator transport and the oracle (test/demo only: see neutralise_vpcd_system_config)
  vsmartcard-vpcd opensc pcsc-tools
  # USB emulation
  umockdev libumockdev-dev usbutils
  udev  # udevadm test, for udev/'s udev_udevadm_tests
  # test frameworks and tools
  googletest libgtest-dev libgmock-dev libyaml-cpp-dev curl
  jq  # the demo reads onshid's JSON answers with it
  # fuzzing and the second compiler
  clang-14 libclang-rt-14-dev
  # network fault injection
  nftables iproute2
  # the polkit rule's tests: polkitd + pkcheck on a private D-Bus, node for the rule's logic
  polkitd dbus-daemon nodejs
)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (apt-get needs it)" >&2
    exit 1
  fi
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#} packages present"
    return
  fi
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Debian's vsmartcard-vpcd drops /etc/reader.conf.d/vpcd, which makes the *system* pcscd listen
# for virtual cards on 0.0.0.0:35963 (test-rigs.md §1). onshi's tests use their own reader.conf
# directory, so the system file is moved aside; a dpkg diversion keeps upgrades from restoring it.
neutralise_vpcd_system_config() {
  local f=/etc/reader.conf.d/vpcd
  if ! dpkg-divert --list "$f" | grep -q "$f"; then
    dpkg-divert --quiet --local --rename --divert "$f.onshi-disabled" --add "$f"
  fi
  if [ -e "$f" ]; then
    mv -f "$f" "$f.onshi-disabled"
  fi
  # A system pcscd already running has the vpcd reader loaded: restart it if systemd runs it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet pcscd.service 2>/dev/null; then
    systemctl restart pcscd.service || true
  fi
}

main() {
  need_root
  case "${1:-}" in
    runtime) install_packages "${RUNTIME_PACKAGES[@]}" ;;
    test)
      install_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
      neutralise_vpcd_system_config
      ;;
    *)
      echo "usage: $0 runtime|test" >&2
      exit 2
      ;;
  esac
}

main "$@"
