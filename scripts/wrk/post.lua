-- wrk script: POST a fixed JSON body (validate, bare route).
-- Arguments after `--`: PATH BODY
function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  wrk.body = args[2]
  wrk.headers["Content-Type"] = "application/json"
end

-- One machine-readable line: requests, non-2xx answers, socket errors, seconds, p50 ms, p99 ms.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %.3f %.3f %.3f\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
