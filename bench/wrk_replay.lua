-- wrk script: replay pre-signed Twilio webhooks, each once.
--
--   wrk ... -s bench/wrk_replay.lua URL -- REQUESTS_FILE THREADS SKIP
--
-- REQUESTS_FILE has one request a line: X-Twilio-Signature, a TAB, the urlencoded body
-- (bench/common.py writes it). Thread i of THREADS takes lines SKIP+i, SKIP+i+THREADS, ...
-- so no two requests share a MessageSid. A thread that runs out starts over (its requests
-- are then duplicates); how many requests that were is reported as "wrapped". (Stopping the
-- thread instead would leave a connected, silent socket that blocks a gunicorn sync worker.)
-- REQUESTS_FILE "-" sends one fixed unsigned form (for bench/bare_app.py).
-- done() prints one line "BENCH_JSON {...}" with exact counts and latencies in microseconds.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads, skip = args[1], tonumber(args[2]) or 1, tonumber(args[3]) or 0
  reqs = {}
  index = 0
  over = 0
  local form = "application/x-www-form-urlencoded"
  if file and file ~= "-" then
    local k = 0
    for line in io.lines(file) do
      if k >= skip and (k - skip) % nthreads == id then
        local tab = line:find("\t", 1, true)
        reqs[#reqs + 1] = wrk.format("POST", nil,
          { ["X-Twilio-Signature"] = line:sub(1, tab - 1), ["Content-Type"] = form }, line:sub(tab + 1))
      end
      k = k + 1
    end
  else
    reqs[1] = wrk.format("POST", nil, { ["Content-Type"] = form },
      "MessageSid=SMbare&From=%2B31612345678&To=%2B3197010000001&Body=Ja&NumMedia=0")
  end
  nreqs = #reqs
  replay = file and file ~= "-"
end

function request()
  index = index + 1
  if index > nreqs then
    index = 1
  end
  if replay and counted then
    over = over + 1
  end
  if index == nreqs then
    counted = true
  end
  return reqs[index]
end

function done(summary, latency, requests)
  local wrapped = 0
  for _, t in ipairs(threads) do
    wrapped = wrapped + (t:get("over") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "wrapped": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, wrapped, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
