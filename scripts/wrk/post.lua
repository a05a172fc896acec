-- wrk script: POST a fixed JSON body (validate, bare route).
-- Arguments after `--`: PATH BODY
function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  wrk.body = args[2]
  wrk.headers["Content-Type"] = "application/json"
end

done = require("scripts.wrk.result")
