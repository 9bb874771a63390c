-- wrk script: POST a JSON body (default {}) to an endpoint's run route and
-- count the statuses (non-202 means a run was not accepted).
--   wrk -t1 -c4 -d10s --latency -s bench/httpload/submit.lua http://127.0.0.1:8000/echo-msg/run
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  accepted, other = 0, 0
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    o = o + t:get("other")
  end
  io.write(string.format("202: %d, other: %d\n", a, o))
end
