-- POSTs the JSON body in BENCH_BODY to BENCH_PATH; reports latency and failures as JSON.
-- A response counts as a failure when it is not HTTP 200 or its body has no "status":"OK".
-- Every "%N%" in the body becomes a value unique to the request (BENCH_RUN_ID, the wrk
-- thread and a counter), for endpoints such as sign-up that need a new email each time.
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["cdi-version"] = "5.4"

local check_status = os.getenv("BENCH_CHECK_STATUS") == "1"
local template = wrk.body
local unique = template ~= nil and string.find(template, "%N%", 1, true) ~= nil
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  not_ok = 0
  sent = 0
  prefix = (os.getenv("BENCH_RUN_ID") or "run") .. "-" .. tostring(thread_number or 0)
end

if unique then
  function request()
    sent = sent + 1
    local body = string.gsub(template, "%%N%%", prefix .. "-" .. sent)
    return wrk.format(nil, nil, nil, body)
  end
end

function response(status, headers, body)
  if status ~= 200 or (check_status and not string.find(body, '"status": *"OK"')) then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("not_ok")
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "not_ok": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, failed))
end
