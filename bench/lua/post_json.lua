-- Sends BENCH_METHOD (default POST) to BENCH_PATH with the JSON body in BENCH_BODY (none
-- for GET); reports latency and failures as JSON.
-- A response counts as a failure when it is not HTTP 200 or its body has no "status":"OK".
-- Every "%N%" in the body becomes a value unique to the request (BENCH_RUN_ID, the wrk
-- thread and a counter), for endpoints such as sign-up that need a new email each time.
-- BENCH_BODIES_FILE: send the bodies of this file (one JSON object per line) in order, for
-- endpoints whose every request needs a prepared secret (consuming one-time codes); when
-- they run out the last one is sent again and counts as a failure.
-- BENCH_SAVE_FILE + BENCH_SAVE_KEYS (comma-separated): from every OK answer, write those
-- string fields as one JSON object per line, to prepare such a file.
-- BENCH_MIX_FILE: cycle through the requests of this file, one per line as
-- "METHOD PATH BODY" (BODY may be empty), for a mixed load.
wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.path = os.getenv("BENCH_PATH")
if wrk.method ~= "GET" then
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["cdi-version"] = "5.4"

local check_status = os.getenv("BENCH_CHECK_STATUS") == "1"
local template = wrk.body
local unique = template ~= nil and string.find(template, "%N%", 1, true) ~= nil
local bodies_file = os.getenv("BENCH_BODIES_FILE")
local mix_file = os.getenv("BENCH_MIX_FILE")
local save_file = os.getenv("BENCH_SAVE_FILE")
local save_keys = {}
for key in string.gmatch(os.getenv("BENCH_SAVE_KEYS") or "", "[^,]+") do
  table.insert(save_keys, key)
end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  not_ok = 0
  sent = 0
  prefix = (os.getenv("BENCH_RUN_ID") or "run") .. "-" .. tostring(thread_number or 0)
  if bodies_file then
    bodies = {}
    for line in io.lines(bodies_file) do
      table.insert(bodies, line)
    end
  end
  if mix_file then
    mix = {}
    for line in io.lines(mix_file) do
      local method, path, body = string.match(line, "^(%S+) (%S+) ?(.*)$")
      table.insert(mix, {method, path, body ~= "" and body or nil})
    end
  end
  if save_file then
    saved = io.open(save_file, "a")
    saved:setvbuf("line")  -- the thread's state is never closed: nothing may stay buffered
  end
end

if bodies_file then
  function request()
    sent = sent + 1
    return wrk.format(nil, nil, nil, bodies[math.min(sent, #bodies)])
  end
end

if mix_file then
  function request()
    sent = sent + 1
    local chosen = mix[(sent - 1) % #mix + 1]
    return wrk.format(chosen[1], chosen[2], nil, chosen[3])
  end
end

local function save(body)
  local fields = {}
  for _, key in ipairs(save_keys) do
    local value = string.match(body, '"' .. key .. '": *"([^"]*)"')
    if value == nil then
      return
    end
    table.insert(fields, string.format('"%s": "%s"', key, value))
  end
  saved:write("{" .. table.concat(fields, ", ") .. "}\n")
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
  elseif saved then
    save(body)
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
