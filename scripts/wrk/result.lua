-- wrk's `done` for every script here: one machine-readable line with requests, non-2xx answers,
-- socket errors, seconds, p50 ms, p99 ms. Scripts run from the repository root (bench-server.sh).
return function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %.3f %.3f %.3f\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
