-- wrk script: POST /v1/transactions/batch with ITEMS two-leg transactions per request (atomic: false), each with a
-- new id, between random accounts <PREFIX>-0..0 .. <PREFIX>-<ACCOUNTS-1> (padded to DIGITS digits). Transfers posted
-- = items answered 201 or 200 (replay) in the 200 answers' bodies ({items: [{status, ...}]}); the wrk-result line
-- (report.lua) carries them, and the statuses of the requests (404/405: the endpoint is not there).
-- Environment: KEY, PREFIX, ACCOUNTS, DIGITS (default 3), ITEMS (default 100), WRK_DIR (default perf/wrk).
local report = dofile((os.getenv("WRK_DIR") or "perf/wrk") .. "/report.lua")

function setup(thread)
  report.setup(thread)
end

function init(args)
  report.init_posting()
  items = tonumber(os.getenv("ITEMS") or "100")
end

function request()
  local parts = {}
  for i = 1, items do
    counter = counter + 1
    local s = math.random(0, accounts - 1)
    local d = (s + math.random(1, accounts - 1)) % accounts
    -- The first two groups tell bulk ids from single-post ids of the same run and thread.
    local id = string.format("%08x-b%03x-7000-8000-%012x", run, tid, counter)
    parts[i] = string.format('{"id":"%s","legs":[{"accountId":"%s","amount":-1.00},{"accountId":"%s","amount":1.00}]}',
      id, string.format(format, prefix, s), string.format(format, prefix, d))
  end
  local body = '{"items":[' .. table.concat(parts, ",") .. '],"atomic":false}'
  return wrk.format(nil, "/v1/transactions/batch", nil, body)
end

function response(status, headers, body)
  local posted = 0
  if status == 200 and body ~= nil then
    -- Item outcomes carry a numeric status; a posted transaction has no numeric "status" field of its own.
    for _ in string.gmatch(body, '"status":%s*20[01][,}]') do
      posted = posted + 1
    end
  end
  report.count(status, headers, posted)
end

function done(summary, latency, requests)
  report.done(summary, latency)
end
