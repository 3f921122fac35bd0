-- wrk script: GET /rev-users.list?email=user<n>@example.com&limit=10 for random seeded
-- contacts n in 1..$USERS (seeded by `revdir seed`, whose contact n has that email).
-- Requests are prepared in init() (a pool of $POOL, default 20000, cycled in order).
-- Environment: TOKEN (required), USERS (default 10000), POOL, SEED.
-- done() prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E errors=F

local token = os.getenv("TOKEN") or ""
local users = tonumber(os.getenv("USERS") or "10000")
local pool_size = tonumber(os.getenv("POOL") or "20000")
local pool = {}
local i = 0

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "") or os.time())
  local headers = { ["Authorization"] = "Bearer " .. token }
  for k = 1, pool_size do
    local n = math.random(1, users)
    pool[k] = wrk.format("GET", string.format("/rev-users.list?email=user%d@example.com&limit=10", n), headers)
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
