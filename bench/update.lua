-- wrk script: POST /rev-users.update on random contacts REVU-1..REVU-$USERS, changing
-- display_name, email, phone_numbers and description. Requests are prepared in init() (a
-- pool of $POOL, default 20000, cycled in order) so that building them costs wrk nothing
-- during the run.
-- Environment: TOKEN (required for revdir), USERS (default 10000), POOL, SEED.
-- done() prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E errors=F

local token = os.getenv("TOKEN") or ""
local users = tonumber(os.getenv("USERS") or "10000")
local pool_size = tonumber(os.getenv("POOL") or "20000")
local pool = {}
local i = 0

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "") or os.time())
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  for k = 1, pool_size do
    local n = math.random(1, users)
    local r = math.random(0, 999999)
    local body = string.format(
      '{"id":"REVU-%d","display_name":"Bench User %d %06d","email":"user%d.%06d@example.com",' ..
      '"phone_numbers":["+1415555%04d"],"description":"updated by wrk %06d"}',
      n, n, r, n, r, r % 10000, r)
    pool[k] = wrk.format("POST", "/rev-users.update", headers, body)
  end
end

function request()
  i = i % pool_size + 1
  return pool[i]
end

-- WRK_DEBUG=1 shows the first non-2xx answers (a response() hook slows wrk down, so it is
-- defined only then).
if os.getenv("WRK_DEBUG") then
  local non2xx = 0
  function response(status, headers, body)
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if non2xx <= 3 then
        io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
      end
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
