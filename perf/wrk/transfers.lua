-- wrk script: POST /v1/transfers with a new transfer id every request, between random accounts <PREFIX>-0..0 ..
-- <PREFIX>-<ACCOUNTS-1> (the number padded to DIGITS digits); counts answers by status (and 503s without Retry-After)
-- over all threads and ends with a machine-readable "wrk-result {...}" line (report.lua).
-- Environment: KEY (API key), PREFIX (account id prefix), ACCOUNTS (how many accounts), DIGITS (default 3),
-- WRK_DIR (where report.lua is; default perf/wrk, for wrk started in the repository's root).
-- Used by perf/overload.sh and perf/benchmark.sh (single posts against the API, and against perf/Ledger.BareEndpoint,
-- which reads the same body).
local report = dofile((os.getenv("WRK_DIR") or "perf/wrk") .. "/report.lua")

function setup(thread)
  report.setup(thread)
end

function init(args)
  report.init_posting()
end

function request()
  counter = counter + 1
  local s = math.random(0, accounts - 1)
  local d = (s + math.random(1, accounts - 1)) % accounts
  -- A UUID (version 7 layout) unique per run, thread and request.
  local id = string.format("%08x-%04x-7000-8000-%012x", run, tid, counter)
  local body = string.format(
    '{"id":"%s","sourceAccountId":"%s","destinationAccountId":"%s","amount":1.00,"currency":"USD"}',
    id, string.format(format, prefix, s), string.format(format, prefix, d))
  return wrk.format(nil, "/v1/transfers", nil, body)
end

function response(status, headers, body)
  report.count(status, headers, (status == 201 or status == 200) and 1 or 0)
end

function done(summary, latency, requests)
  report.done(summary, latency)
end
