#!/usr/bin/env bash
# External load benchmark of the license server: wrk (a separate process) against a bare axum
# route and the real server, all in one run. Phases alternate in rounds so a change of load on
# the machine weighs on all of them alike; figures are summed over the rounds.
#
#   bare               POST /bare on `keyturn-server-bench bare` (JSON in, JSON out; the server's accept loop)
#   validate 1-seat    a license with one device bound (access log on, as served by default)
#   validate 100k-seat a license with SEATS devices bound
#   validate, no log   the 1-seat validate on a second server with KEYTURN_LOG=warn
#   validate, metrics  the 1-seat validate on a third server with Prometheus metrics on
#                      (--metrics-listen; scraped once per round), access log on like 1-seat
#   validate new dev.  the 1-seat license, a device never seen before each time (FINGERPRINT_NOT_FOUND,
#                      a 200): nothing answered from memory, every request reads the database
#   activate 1-seat    new devices on a license that had one device (a fresh one each round)
#   activate 100k-seat new devices on the license with SEATS devices
#
# Usage: scripts/bench-server.sh [path/to/keyturn-server]   (default: a release build; the
# keyturn-server-bench binary next to it seeds and serves the bare route)
# Environment: SEATS (100000), SECS per phase and round (3), ROUNDS (3), CONNS (64), THREADS (2),
# SYNC (normal: commits survive a crash of the server, not a power loss; full for durable).
set -euo pipefail
cd "$(dirname "$0")/.."
SEATS=${SEATS:-100000}
source scripts/wrk/lib.sh
bench_setup "${1:-}"

echo "seeding: a 1-seat license and a ${SEATS}-seat license ..." >&2
"$BENCH" seed --db "$dir/bench.db" --seats "$SEATS" --fresh "$ROUNDS" >"$dir/keys"
small=$(awk '$1 == "small" {print $2}' "$dir/keys")
big=$(awk '$1 == "big" {print $2}' "$dir/keys")
mapfile -t fresh < <(awk '$1 == "fresh" {print $2}' "$dir/keys")

serve_args=(serve --db "$dir/bench.db" --listen 127.0.0.1:0 --rate-limit 0 --sync "$SYNC")
BIN=$BENCH start bare info bare --listen 127.0.0.1:0; bare_url=$url
start logged info "${serve_args[@]}"; logged_url=$url
start quiet warn "${serve_args[@]}"; quiet_url=$url
start metered info "${serve_args[@]}" --metrics-listen 127.0.0.1:0; metered_url=$url
metrics_url=$(sed -n 's/^KEYTURN_METRICS_LISTENING //p' "$dir/metered.out")

phases=("bare" "validate 1-seat" "validate ${SEATS}-seat" "validate 1-seat, no log" "activate 1-seat" "activate ${SEATS}-seat"
  "validate new device" "validate 1-seat, metrics")
# Warm-up, not measured.
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$bare_url" -- /bare "$(body "$small")" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$logged_url" -- /v1/validate "$(body "$big")" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$quiet_url" -- /v1/validate "$(body "$small")" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$metered_url" -- /v1/validate "$(body "$small")" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS ..." >&2
  run "${phases[0]}" "$bare_url" post.lua /bare "$(body "$small")"
  run "${phases[1]}" "$logged_url" post.lua /v1/validate "$(body "$small")"
  run "${phases[2]}" "$logged_url" post.lua /v1/validate "$(body "$big")"
  run "${phases[3]}" "$quiet_url" post.lua /v1/validate "$(body "$small")"
  run "${phases[4]}" "$logged_url" new-device.lua activate "${fresh[$((round - 1))]}" "r$round-small"
  run "${phases[5]}" "$logged_url" new-device.lua activate "$big" "r$round-big"
  run "${phases[6]}" "$logged_url" new-device.lua validate "$small" "r$round-validate"
  run "${phases[7]}" "$metered_url" post.lua /v1/validate "$(body "$small")"
  curl -sf "$metrics_url/metrics" >/dev/null || { echo "metrics scrape failed"; exit 1; }
done

failed=0
table "${phases[@]}" || failed=1
echo "validate 1-seat vs bare:                 $(pct "${phases[1]}" "${phases[0]}")   (goal >= 50%)"
echo "validate ${SEATS}-seat vs 1-seat:        $(pct "${phases[2]}" "${phases[1]}")   (goal >= 90%)"
echo "activate ${SEATS}-seat vs 1-seat:        $(pct "${phases[5]}" "${phases[4]}")   (goal >= 90%)"
echo "validate with access log vs without:     $(pct "${phases[1]}" "${phases[3]}")   (goal >= 90%)"
echo "validate with metrics vs without:        $(pct "${phases[7]}" "${phases[1]}")   (goal >= 95%)"
echo "validate, a new device each time, vs bare: $(pct "${phases[6]}" "${phases[0]}")   (no goal: every request reads)"
[ "$failed" -eq 0 ] || { echo "some requests failed"; exit 1; }
