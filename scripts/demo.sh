#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): installs what it needs, builds onshi, starts
# a private pcscd with an emulated card (nothing on the system is touched) and shows what a
# technician sees with `onshictl readers`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh test
cmake --preset release >/dev/null
cmake --build --preset release -j "${ONSHI_JOBS:-2}" --target onshictl onshi-simrig onshi-cardsim

build=build/release
echo
echo "=== onshictl readers, against a private pcscd with an emulated card in slot 0"
"$build/tests/sim/fixture/onshi-simrig" --card tests/sim/cardsim/personas/generic.json -- \
  "$build/agent/onshictl" readers
echo
echo "=== the same, as JSON"
"$build/tests/sim/fixture/onshi-simrig" --card tests/sim/cardsim/personas/generic.json -- \
  "$build/agent/onshictl" readers --json
