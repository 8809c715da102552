#!/bin/sh
# onshid and virtual readers, under onshi-simrig (a private pcscd with vpcd and an emulated card):
# outside test mode the vpcd reader is ignored (it is not a USB reader: SCARD_ATTR_CHANNEL_ID is
# not type 0x0020) and said so once in the log; in test mode it is used.
#   readers_test.sh ONSHID CASE   (CASE: clinic | test_mode)
set -eu
onshid=$1
case=$2
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
test_mode=false
[ "$case" = test_mode ] && test_mode=true
cat > "$dir/onshi.toml" <<TOML
terminal_name = "受付1号機"
state_dir = "$dir/state"
test_mode = $test_mode
[[institutions]]
code = "2714206386"
name = "オンシ内科クリニック"
[api]
socket = "$dir/api.sock"
socket_group = "$(id -gn)"
allowed_users = ["$(id -un)"]
allowed_groups = []
[ledger]
directory = "$dir/ledger"
[log]
level = "info"
TOML
mkdir -p "$dir/state" "$dir/ledger"
"$onshid" --config "$dir/onshi.toml" > "$dir/log" 2>&1 &
pid=$!
readers=""
i=0
# Until pcscd's reader has been seen (the monitor runs on its own thread).
while [ $i -lt 100 ]; do
  readers=$(curl -s --unix-socket "$dir/api.sock" http://onshid/v1/readers || true)
  case "$readers" in *'"name"'*) break ;; esac
  sleep 0.1
  i=$((i + 1))
done
echo "$readers"
# Twice more, so a log line per request would show.
curl -s --unix-socket "$dir/api.sock" http://onshid/v1/readers > /dev/null
curl -s --unix-socket "$dir/api.sock" http://onshid/v1/health > /dev/null
cat "$dir/log"
used=$(printf '%s' "$readers" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["readers"]), len(j["ignored"]))')
lines=$(grep -c 'ignoring reader' "$dir/log" || true)
if [ "$case" = clinic ]; then
  # vpcd offers two slots, "onshi vpcd 00 00" and "… 00 01": both ignored, each logged once.
  [ "$used" = "0 2" ] || { echo "FAIL: outside test mode the vpcd readers must be ignored, got $used"; exit 1; }
  [ "$lines" = 2 ] || { echo "FAIL: each ignored reader must be logged once, got $lines lines"; exit 1; }
else
  [ "$used" = "2 0" ] || { echo "FAIL: in test mode the vpcd reader is used, got $used"; exit 1; }
  [ "$lines" = 0 ] || { echo "FAIL: nothing is ignored in test mode"; exit 1; }
fi
echo PASS
