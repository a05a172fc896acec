-- wrk script: activate a new device on every request (fingerprints unique per run and thread).
-- Arguments after `--`: KEY RUN_TAG
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  key = args[1]
  tag = args[2]
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local body = string.format('{"key":"%s","fingerprint":"%s-%d-%d","name":"bench","platform":"linux-x86_64"}',
    key, tag, tid, n)
  return wrk.format(nil, "/v1/activations", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %.3f %.3f %.3f\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
