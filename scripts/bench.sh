#!/usr/bin/env bash
# Runs every benchmark and prints figures as ratios measured side by side in one run:
#   1. license server: validate and activate throughput/latency against a bare axum route, in
#      process and through wrk (scripts/bench-server.sh: 1-seat vs 100k-seat, access log cost;
#      scripts/bench-postgres.sh: the PostgreSQL store against SQLite, one replica against two;
#      scripts/bench-floating.sh: heartbeat and checkout with 10,000 live leases against 1)
#      webhooks: events delivered per second to a local receiver against one client posting
#      the same bodies; activation throughput with one endpoint subscribed to everything vs none
#   2. client core: cold fingerprint and offline token check timings
#   3. app: start-up to the first interactive screen and memory, against a bare Tauri window
#   4. installer: the .deb's size against the 10 MB limit (a release build via scripts/package.sh)
#   5. C library: the stripped libkeyturn.so against 6 MB, status through the C ABI against 1 ms,
#      and what the Python and Node.js wrappers add to it (goal: at most 20%)
# Release builds for 1 and 2; the app benchmark uses the workspace build (as tested).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

echo "== license server (release) =="
cargo build --release --locked -q -p keyturn-server -p keyturn-server-bench
"${CARGO_TARGET_DIR:-target}/release/keyturn-server-bench" load
echo "== webhooks: deliveries per second, activations with an endpoint vs none (release) =="
"${CARGO_TARGET_DIR:-target}/release/keyturn-server-bench" webhooks
echo "== license server under an external load generator (wrk, release) =="
bash scripts/bench-server.sh "${CARGO_TARGET_DIR:-target}/release/keyturn-server"
echo "== floating seats: 10,000 live leases against 1 (wrk, release) =="
bash scripts/bench-floating.sh "${CARGO_TARGET_DIR:-target}/release/keyturn-server"
echo "== PostgreSQL store against SQLite, and two replicas (wrk, release) =="
bash scripts/bench-postgres.sh "${CARGO_TARGET_DIR:-target}/release/keyturn-server"
echo "== client core (release) =="
cargo bench --locked -q -p keyturn-client
echo "== app start-up and memory =="
unset DISPLAY
target/debug/startup-bench "${ROUNDS:-5}"
echo "== C library (release) =="
cargo build --release --locked -q -p libkeyturn
KEYTURN_LIBRARY="$(realpath "${CARGO_TARGET_DIR:-target}/release/libkeyturn.so")" target/debug/ffi-bench "${ROUNDS:-5}"
echo "== installer size =="
PACKAGES=$(mktemp -d)
trap 'rm -rf "$PACKAGES"' EXIT
bash scripts/package.sh --config tests/package/vendor.json --icon icons/icon.png --out "$PACKAGES" >/dev/null
for package in "$PACKAGES"/*.deb "$PACKAGES"/*.rpm; do
  bytes=$(stat -c %s "$package")
  awk -v name="$(basename "$package")" -v b="$bytes" \
    'BEGIN { printf "%-40s %6.2f MB  (%3.0f%% of the 10 MB limit)\n", name, b / 1e6, 100 * b / 10e6 }'
done
