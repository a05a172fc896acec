-- wrk script: every request names a device never seen before (fingerprints unique per run and
-- thread), so nothing can be answered from memory.
-- Arguments after `--`: activate|validate KEYS RUN_TAG (KEYS: one key, or several separated by
-- commas, used in turn: load spread over many licenses)
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  kind = args[1]
  keys = {}
  for k in string.gmatch(args[2], "[^,]+") do
    keys[#keys + 1] = k
  end
  tag = args[3]
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local key = keys[(n % #keys) + 1]
  local fingerprint = string.format("%s-%d-%d", tag, tid, n)
  if kind == "validate" then
    return wrk.format(nil, "/v1/validate", nil,
      string.format('{"key":"%s","fingerprint":"%s"}', key, fingerprint))
  end
  return wrk.format(nil, "/v1/activations", nil,
    string.format('{"key":"%s","fingerprint":"%s","name":"bench","platform":"linux-x86_64"}', key, fingerprint))
end

done = require("scripts.wrk.result")
