-- Shared by the wrk scripts here (loaded with dofile from each): counts per thread, and one machine-readable line at
-- the end that perf/Ledger.LoadGen's watch mode reads (--wrk-output):
--   wrk-result {"seconds":S,"requests":N,"transfers":T,"statuses":{"201":N,...},"errors":{...},"latencyMs":{...}}
-- "transfers" counts what was posted: answers 200/201 for a single post, items answered 200/201 in a bulk post.
-- Latency is of whole requests (a bulk request's, not its items'), from wrk's own histogram.
local report = {}
local threads = {}

function report.setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

-- Per-thread state; call from init().
function report.init()
  statuses = {}
  transfers = 0
  missing_retry_after = 0
end

-- For the scripts that post between random accounts: per-thread state and the request's method and headers, from the
-- environment: KEY (the API key), PREFIX and ACCOUNTS (accounts PREFIX-0..0 .. PREFIX-<ACCOUNTS-1>, the number padded
-- to DIGITS digits, default 3). Sets counter, run, accounts, prefix and format (the account id's format).
function report.init_posting()
  report.init()
  counter = 0
  run = os.time()
  accounts = tonumber(os.getenv("ACCOUNTS") or "200")
  prefix = os.getenv("PREFIX") or "ovl"
  format = "%s-%0" .. (os.getenv("DIGITS") or "3") .. "d"
  math.randomseed(run + tid * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Api-Key"] = os.getenv("KEY")
end

-- Per answer; `posted` is how many transfers it posted.
function report.count(status, headers, posted)
  statuses[status] = (statuses[status] or 0) + 1
  transfers = transfers + posted
  if status == 503 and headers["Retry-After"] == nil then
    missing_retry_after = missing_retry_after + 1
  end
end

function report.done(summary, latency)
  local seconds = summary.duration / 1e6
  local totals, posted, missing = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    posted = posted + thread:get("transfers")
    missing = missing + thread:get("missing_retry_after")
  end
  local parts = {}
  for status, count in pairs(totals) do
    io.write(string.format("status %d: %d (%.0f/s)\n", status, count, count / seconds))
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  io.write(string.format("answered: %d in %.1f s (%.0f/s); transfers posted: %d (%.0f/s); 503 without Retry-After: %d\n",
    summary.requests, seconds, summary.requests / seconds, posted, posted / seconds, missing))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency of all answers (ms): p50 %.1f, p90 %.1f, p95 %.1f, p99 %.1f, max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format(
    'wrk-result {"seconds":%.3f,"requests":%d,"transfers":%d,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"missingRetryAfter":%d,' ..
    '"latencyMs":{"p50":%.3f,"p95":%.3f,"p99":%.3f,"max":%.3f}}\n',
    seconds, summary.requests, posted, table.concat(parts, ","),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status,
    missing, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end

return report
