#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs the test
# dependencies, builds with -Werror, runs every unit and integration test (private pcscd,
# emulators: nothing on the system is touched), the unit tests again under ASan+UBSan, and
# each fuzz target for a short run with clang-14.
#
#   ONSHI_FUZZ_SECONDS=6    seconds per fuzz target (0 skips fuzzing)
#   ONSHI_JOBS=2            parallel build and test jobs
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${ONSHI_JOBS:-2}
fuzz_seconds=${ONSHI_FUZZ_SECONDS:-6}

started=$(date +%s)
step() { printf '\n=== %s (at %ds)\n' "$*" $(($(date +%s) - started)); }

# Runs a ctest preset (with any further ctest arguments) and adds its counts to the totals
# printed at the end.
passed=0
failed=0
run_ctest() {
  local log status=0 preset=$1
  shift
  log=$(mktemp)
  ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log" || status=$?
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
  rm -f "$log"
  if [ -n "$line" ]; then
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
  return "$status"
}

step "dependencies"
bash scripts/install-deps.sh test

step "build (gcc, -Werror)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"

step "unit and integration tests"
run_ctest ci

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
# Only the unit-test executables (not the tools and servers the integration tests use).
cmake --build --preset asan -j "$jobs" --target onshi_unit_tests
run_ctest asan -L unit

if [ "$fuzz_seconds" -gt 0 ]; then
  step "fuzz targets (clang-14, ${fuzz_seconds}s each)"
  cmake --preset fuzz >/dev/null
  # Only the fuzz targets and what they link (not the simulators' tools).
  targets=$(sed -n 's/^onshi_add_fuzz_target(\(fuzz_[a-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
  # shellcheck disable=SC2086
  cmake --build --preset fuzz -j "$jobs" --target $targets
  for target in build/fuzz/tests/fuzz/fuzz_*; do
    name=$(basename "$target")
    corpus=tests/fuzz/corpus/${name#fuzz_}
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
    echo "--- $name"
    status=0
    "$target" "$work" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$work.log" 2>&1 || status=$?
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work.log" || true
    if [ "$status" -ne 0 ]; then
      tail -n 60 "$work.log" >&2
      echo "$name failed (exit $status)" >&2
      exit 1
    fi
    rm -rf "$work" "$work.log"
  done
fi

step "all tests passed"
echo "onshi: ${passed} passed, ${failed} failed"
