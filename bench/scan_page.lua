-- wrk script: GET /rev-users.scan?cursor=<after contact n> for random seeded contacts n in
-- 1..$USERS-100, so every request reads a full page of 100 from a random depth of the org
-- (seeded by `revdir seed`, whose contacts are numbered 1..$USERS).
-- The cursor is minted here the way revdir mints a scan cursor (base64url without padding
-- of {"b":false,"s":[],"k":[n]}, crates/revdir-core/src/pagination.rs); a cursor revdir
-- did not issue would answer 400, which the non2xx count would show.
-- Requests are prepared in init() (a pool of $POOL, default 20000, cycled in order).
-- Environment: TOKEN (required), USERS (default 10000), POOL, SEED.
-- done() prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E errors=F

local token = os.getenv("TOKEN") or ""
local users = tonumber(os.getenv("USERS") or "10000")
local pool_size = tonumber(os.getenv("POOL") or "20000")
local pool = {}
local i = 0

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

-- base64url without padding.
local function b64url(s)
  local out = {}
  for k = 1, #s, 3 do
    local a, b, c = string.byte(s, k, k + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, chars do
      local idx = math.floor(n / 2 ^ (6 * (4 - j))) % 64
      out[#out + 1] = string.sub(alphabet, idx + 1, idx + 1)
    end
  end
  return table.concat(out)
end

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "") or os.time())
  local headers = { ["Authorization"] = "Bearer " .. token }
  local last = math.max(users - 100, 1)
  for k = 1, pool_size do
    local n = math.random(1, last)
    local cursor = b64url(string.format('{"b":false,"s":[],"k":[%d]}', n))
    pool[k] = wrk.format("GET", "/rev-users.scan?cursor=" .. cursor, headers)
  end
end

function request()
  i = i % pool_size + 1
  return pool[i]
end

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
