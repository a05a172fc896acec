# Shared by the wrk benchmarks (bench-server.sh, bench-postgres.sh, bench-floating.sh): sourced,
# from the repository's root, not run. bench_setup sets what the others need.

pids=()
bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# bench_setup [BIN]: the settings every wrk benchmark shares, from the environment with their
# defaults (SECS per phase and round 3, ROUNDS 3, CONNS 64, THREADS 2, SYNC normal); $BIN
# (default: the release keyturn-server) and $BENCH (keyturn-server-bench beside it) checked;
# $dir a temp folder, removed on exit with every server started (a caller with more to clean
# up sets its own trap).
bench_setup() {
  BIN=${1:-${CARGO_TARGET_DIR:-target}/release/keyturn-server}
  SECS=${SECS:-3}
  ROUNDS=${ROUNDS:-3}
  CONNS=${CONNS:-64}
  THREADS=${THREADS:-2}
  SYNC=${SYNC:-normal}
  command -v wrk >/dev/null || { echo "wrk is missing: run scripts/setup.sh"; exit 1; }
  BENCH=$(dirname "$BIN")/keyturn-server-bench
  local b
  for b in "$BIN" "$BENCH"; do
    [ -x "$b" ] || { echo "no binary at $b (cargo build --release -p keyturn-server -p keyturn-server-bench)"; exit 1; }
  done
  dir=$(mktemp -d)
  trap 'bench_cleanup; rm -rf "$dir"' EXIT
}

# start NAME LOG_LEVEL ARGS...: starts a server, waits for its address, sets $url.
start() {
  local name=$1 level=$2
  shift 2
  # Made before the server starts, so polling it never fails (set -e) before the server opens it.
  : >"$dir/$name.out"
  KEYTURN_LOG=$level "$BIN" "$@" >"$dir/$name.out" 2>"$dir/$name.log" </dev/null &
  pids+=($!)
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^KEYTURN_SERVER_LISTENING //p' "$dir/$name.out")
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "$name did not start: $(cat "$dir/$name.log")"
  exit 1
}

body() { printf '{"key":"%s","fingerprint":"bench-device"}' "$1"; }

declare -A requests non2xx errors seconds p50 p99
# add PHASE WRK_RESULT_LINE: adds one wrk run to the phase's totals.
add() {
  local phase=$1 r s e d a b
  read -r _ r s e d a b <<<"$2"
  requests[$phase]=$(( ${requests[$phase]:-0} + r ))
  non2xx[$phase]=$(( ${non2xx[$phase]:-0} + s ))
  errors[$phase]=$(( ${errors[$phase]:-0} + e ))
  seconds[$phase]=$(awk -v x="${seconds[$phase]:-0}" -v y="$d" 'BEGIN {print x + y}')
  # Latency percentiles: the worst round's.
  p50[$phase]=$(awk -v x="${p50[$phase]:-0}" -v y="$a" 'BEGIN {print (y > x ? y : x)}')
  p99[$phase]=$(awk -v x="${p99[$phase]:-0}" -v y="$b" 'BEGIN {print (y > x ? y : x)}')
}

# wrk_line THREADS CONNS URL LUA ARGS...: one wrk run; prints its WRK_RESULT line.
wrk_line() {
  local threads=$1 conns=$2 url=$3 lua=$4
  shift 4
  wrk -t"$threads" -c"$conns" -d"${SECS}s" --latency -s "scripts/wrk/$lua" "$url" -- "$@" | grep '^WRK_RESULT'
}

# run PHASE URL LUA ARGS...: one wrk run with all connections, added to the phase's totals.
run() {
  local phase=$1
  shift
  add "$phase" "$(wrk_line "$THREADS" "$CONNS" "$@")"
}

rate() { awk -v r="${requests[$1]}" -v s="${seconds[$1]}" 'BEGIN {printf "%.0f", r / s}'; }
pct() { awk -v a="$(rate "$1")" -v b="$(rate "$2")" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }

# table PHASES...: the results; fails when any request failed.
table() {
  echo "wrk: $THREADS threads, $CONNS connections, ${SECS}s x $ROUNDS rounds per phase, sync=$SYNC, $(nproc) cores," \
    "load average $(cut -d' ' -f1 /proc/loadavg), $(basename "$(dirname "$BIN")") build"
  printf '%-26s %9s %8s %9s %8s %8s\n' phase "req/s" "non-2xx" "errors" "p50 ms" "p99 ms"
  local failed=0 p
  for p in "$@"; do
    printf '%-26s %9s %8s %9s %8s %8s\n' "$p" "$(rate "$p")" "${non2xx[$p]}" "${errors[$p]}" "${p50[$p]}" "${p99[$p]}"
    [ "${non2xx[$p]}" -eq 0 ] && [ "${errors[$p]}" -eq 0 ] || failed=1
  done
  echo
  return $failed
}
