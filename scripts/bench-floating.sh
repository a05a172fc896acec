#!/usr/bin/env bash
# Floating seats under an external load generator (wrk): heartbeat and checkout on a license
# with SEATS seats and SEATS live leases against the same on a 1-seat license, with a bare axum
# route as the reference, all in one run. Phases alternate in rounds so a change of load on the
# machine weighs on all of them alike.
#
#   bare                    POST /bare on `keyturn-server-bench bare`
#   heartbeat 1-seat        the benchmark device keeps its lease on the 1-seat license
#   heartbeat SEATS-seat    the same on the license with SEATS live leases
#   checkout 1-seat         the device checks out again (shares its lease: a write each time)
#   checkout SEATS-seat     the same on the big license
#
# Usage: scripts/bench-floating.sh [path/to/keyturn-server]   (default: a release build)
# Environment: SEATS (10000), SECS per phase and round (3), ROUNDS (3), CONNS (64), THREADS (2),
# SYNC (normal).
set -euo pipefail
cd "$(dirname "$0")/.."
SEATS=${SEATS:-10000}
source scripts/wrk/lib.sh
bench_setup "${1:-}"

echo "seeding: a 1-seat and a ${SEATS}-seat floating license, every seat leased ..." >&2
"$BENCH" seed-floating --db "$dir/bench.db" --seats "$SEATS" >"$dir/keys"
read -r _ small small_lease < <(awk '$1 == "small"' "$dir/keys")
read -r _ big big_lease < <(awk '$1 == "big"' "$dir/keys")
beat() { printf '{"key":"%s","fingerprint":"bench-device"}' "$1"; }

BIN=$BENCH start bare info bare --listen 127.0.0.1:0; bare_url=$url
start server info serve --db "$dir/bench.db" --listen 127.0.0.1:0 --rate-limit 0 --sync "$SYNC"; server_url=$url

phases=("bare" "heartbeat 1-seat" "heartbeat ${SEATS}-seat" "checkout 1-seat" "checkout ${SEATS}-seat")
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$bare_url" -- /bare "$(beat "$small")" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$server_url" -- "/v1/leases/$big_lease/heartbeat" "$(beat "$big")" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS ..." >&2
  run "${phases[0]}" "$bare_url" post.lua /bare "$(beat "$small")"
  run "${phases[1]}" "$server_url" post.lua "/v1/leases/$small_lease/heartbeat" "$(beat "$small")"
  run "${phases[2]}" "$server_url" post.lua "/v1/leases/$big_lease/heartbeat" "$(beat "$big")"
  run "${phases[3]}" "$server_url" post.lua /v1/leases "$(beat "$small")"
  run "${phases[4]}" "$server_url" post.lua /v1/leases "$(beat "$big")"
done

failed=0
table "${phases[@]}" || failed=1
echo "heartbeat ${SEATS}-seat vs 1-seat:  $(pct "${phases[2]}" "${phases[1]}")   (goal >= 90%)"
echo "checkout ${SEATS}-seat vs 1-seat:   $(pct "${phases[4]}" "${phases[3]}")   (goal >= 90%)"
echo "heartbeat 1-seat vs bare:           $(pct "${phases[1]}" "${phases[0]}")   (no goal: a durable write each)"
[ "$failed" -eq 0 ] || { echo "some requests failed"; exit 1; }
