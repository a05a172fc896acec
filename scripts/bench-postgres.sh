#!/usr/bin/env bash
# The PostgreSQL store against the SQLite store under the same external load (wrk), in one run:
# a private PostgreSQL cluster on loopback (initdb/pg_ctl from Debian's packages), the same
# seeding in both databases, phases alternating in rounds.
#
#   validate sqlite          1-seat validate, server on the SQLite file
#   validate postgres        the same, server on PostgreSQL
#   validate pg 2 replicas   two servers on the one PostgreSQL database, half the connections each
#   activate sqlite          new devices on a license with one device
#   activate postgres        the same on PostgreSQL
#   activate pg 2 replicas   new devices on one license through both replicas (the seat count is
#                            shared: every activation takes the license's row lock)
#   activate 64 lic. ...     the same three, new devices spread over 64 licenses (no activation
#                            waits for another license's lock)
#
# Durability is alike: SQLite with sync=full (fsync per commit), PostgreSQL with its defaults
# (fsync on, synchronous_commit on). All of it shares this machine's cores with wrk.
#
# Usage: scripts/bench-postgres.sh [path/to/keyturn-server]   (default: a release build)
# Environment: SECS per phase and round (3), ROUNDS (3), CONNS (64), THREADS (2),
# KEYTURN_PG_BIN (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
SYNC=full
source scripts/wrk/lib.sh
bench_setup "${1:-}"
chmod 755 "$dir"
PG_BIN=${KEYTURN_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL is missing: run scripts/setup.sh"; exit 1; }
# As root the cluster runs as the unprivileged postgres user (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$@"; else "$@"; fi; }
stop_cluster() { as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true; }
trap 'bench_cleanup; stop_cluster; rm -rf "$dir"' EXIT

mkdir "$dir/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pg"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -U postgres --auth=trust -E UTF8 -D "$dir/pg/data" >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w \
  -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
pg_url="postgres://postgres@127.0.0.1:$port/postgres"

SPREAD=64
echo "seeding both databases: a 1-seat license and $((ROUNDS + SPREAD)) more ..." >&2
seed() { "$BENCH" seed --db "$1" --seats 1 --fresh "$((ROUNDS + SPREAD))"; }
seed "$dir/bench.db" >"$dir/keys-sqlite"
seed "$pg_url" >"$dir/keys-pg"
key() { awk -v label="$1" '$1 == label {print $2; exit}' "$dir/keys-$2"; }
mapfile -t fresh_sqlite < <(awk '$1 == "fresh" {print $2}' "$dir/keys-sqlite")
mapfile -t fresh_pg < <(awk '$1 == "fresh" {print $2}' "$dir/keys-pg")
# The last SPREAD fresh licenses, comma-separated: load spread over many licenses.
spread() { local -n list=$1; local IFS=,; echo "${list[*]:$ROUNDS:$SPREAD}"; }
spread_sqlite=$(spread fresh_sqlite)
spread_pg=$(spread fresh_pg)

serve=(serve --listen 127.0.0.1:0 --rate-limit 0 --sync "$SYNC")
start sqlite info "${serve[@]}" --db "$dir/bench.db"; sqlite_url=$url
start pg info "${serve[@]}" --db "$pg_url"; pg_url_a=$url
start pg-b info "${serve[@]}" --db "$pg_url"; pg_url_b=$url

# both PHASE LUA ARGS... TAG: wrk against both replicas at once, half the threads and connections
# each, TAG-a and TAG-b as the last argument (new-device.lua's run tag: distinct devices).
both() {
  local phase=$1 lua=$2
  shift 2
  local args=("${@:1:$#-1}") tag=${*: -1}
  local half_t=$(( THREADS > 1 ? THREADS / 2 : 1 )) half_c=$(( CONNS / 2 ))
  wrk_line "$half_t" "$half_c" "$pg_url_a" "$lua" "${args[@]}" "$tag-a" >"$dir/wrk-a" &
  local a=$!
  wrk_line "$half_t" "$half_c" "$pg_url_b" "$lua" "${args[@]}" "$tag-b" >"$dir/wrk-b"
  wait "$a"
  # Side by side: requests and failures add up; seconds and latencies are the longer run's.
  local -a x y
  read -r -a x <"$dir/wrk-a"
  read -r -a y <"$dir/wrk-b"
  max() { awk -v a="$1" -v b="$2" 'BEGIN {print (a > b ? a : b)}'; }
  add "$phase" "WRK_RESULT $((x[1] + y[1])) $((x[2] + y[2])) $((x[3] + y[3])) $(max "${x[4]}" "${y[4]}")\
 $(max "${x[5]}" "${y[5]}") $(max "${x[6]}" "${y[6]}")"
}

phases=("validate sqlite" "validate postgres" "validate pg 2 replicas" "activate sqlite" "activate postgres"
  "activate pg 2 replicas" "activate 64 lic. sqlite" "activate 64 lic. postgres" "activate 64 lic. pg 2 repl.")
small_sqlite=$(key small sqlite)
small_pg=$(key small pg)
# Warm-up, not measured.
for u in "$sqlite_url" "$pg_url_a" "$pg_url_b"; do
  k=$small_pg
  [ "$u" = "$sqlite_url" ] && k=$small_sqlite
  wrk -t"$THREADS" -c"$CONNS" -d1s -s scripts/wrk/post.lua "$u" -- /v1/validate "$(body "$k")" >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS ..." >&2
  i=$((round - 1))
  run "${phases[0]}" "$sqlite_url" post.lua /v1/validate "$(body "$small_sqlite")"
  run "${phases[1]}" "$pg_url_a" post.lua /v1/validate "$(body "$small_pg")"
  both "${phases[2]}" post.lua /v1/validate "$(body "$small_pg")" unused
  run "${phases[3]}" "$sqlite_url" new-device.lua activate "${fresh_sqlite[$i]}" "r$round-sqlite"
  run "${phases[4]}" "$pg_url_a" new-device.lua activate "${fresh_pg[$i]}" "r$round-pg"
  both "${phases[5]}" new-device.lua activate "$small_pg" "r$round-replicas"
  run "${phases[6]}" "$sqlite_url" new-device.lua activate "$spread_sqlite" "r$round-spread-sqlite"
  run "${phases[7]}" "$pg_url_a" new-device.lua activate "$spread_pg" "r$round-spread-pg"
  both "${phases[8]}" new-device.lua activate "$spread_pg" "r$round-spread-replicas"
done

failed=0
table "${phases[@]}" || failed=1
echo "validate: postgres vs sqlite:            $(pct "${phases[1]}" "${phases[0]}")"
echo "validate: 2 replicas vs 1 (postgres):    $(pct "${phases[2]}" "${phases[1]}")"
echo "activate: postgres vs sqlite:            $(pct "${phases[4]}" "${phases[3]}")"
echo "activate: 2 replicas vs 1 (postgres):    $(pct "${phases[5]}" "${phases[4]}")"
echo "validate: postgres vs sqlite, goal >= 50%; 2 replicas vs 1, goal >= 100%"
echo "activate over 64 licenses: postgres vs sqlite: $(pct "${phases[7]}" "${phases[6]}")   (goal >= 30%)"
echo "activate over 64 licenses: 2 replicas vs 1:    $(pct "${phases[8]}" "${phases[7]}")"
[ "$failed" -eq 0 ] || { echo "some requests failed"; exit 1; }
