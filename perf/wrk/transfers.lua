-- wrk script: POST /v1/transfers with a new transfer id every request, between random accounts <PREFIX>-000 ..
-- <PREFIX>-<ACCOUNTS-1>; counts answers by status (and 503s without Retry-After) over all threads.
-- Environment: KEY (API key), PREFIX (account id prefix), ACCOUNTS (how many accounts).
-- Used by perf/overload.sh (docs/performance.md, "Twice the sustainable load").
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
  missing_retry_after = 0
  run = os.time()
  accounts = tonumber(os.getenv("ACCOUNTS") or "200")
  prefix = os.getenv("PREFIX") or "ovl"
  math.randomseed(run + tid * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Api-Key"] = os.getenv("KEY")
end

function request()
  counter = counter + 1
  local s = math.random(0, accounts - 1)
  local d = (s + math.random(1, accounts - 1)) % accounts
  -- A UUID (version 7 layout) unique per run, thread and request.
  local id = string.format("%08x-%04x-7000-8000-%012x", run, tid, counter)
  local body = string.format(
    '{"id":"%s","sourceAccountId":"%s-%03d","destinationAccountId":"%s-%03d","amount":1.00,"currency":"USD"}',
    id, prefix, s, prefix, d)
  return wrk.format(nil, "/v1/transfers", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and headers["Retry-After"] == nil then
    missing_retry_after = missing_retry_after + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local totals = {}
  local missing = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    missing = missing + thread:get("missing_retry_after")
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d: %d (%.0f/s)\n", status, count, count / seconds))
  end
  io.write(string.format("answered: %d in %.1f s (%.0f/s); 503 without Retry-After: %d\n", summary.requests, seconds, summary.requests / seconds, missing))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency of all answers (ms): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
