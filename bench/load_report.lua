-- wrk script: sends the session cookie and the proxy's scheme header on every request, optionally cycles
-- through several paths (LOAD_PATHS, separated by "|"), and prints one JSON line with the figures at the end.
--   LOAD_COOKIE="sessionid=…" LOAD_PATHS="/api/v1/workers|/workers/" wrk -s bench/load_report.lua URL

local cookie = os.getenv("LOAD_COOKIE") or ""
local auth = os.getenv("LOAD_AUTHORIZATION") or ""
local paths = {}
for p in string.gmatch(os.getenv("LOAD_PATHS") or "", "[^|]+") do
  paths[#paths + 1] = p
end
local counter = 0

function init(args)
  -- Each thread starts at another place in the cycle.
  counter = math.random(0, 1000)
end

function request()
  local headers = { ["X-Forwarded-Proto"] = "https" }
  if cookie ~= "" then headers["Cookie"] = cookie end
  if auth ~= "" then headers["Authorization"] = auth end
  local path = nil
  if #paths > 0 then
    counter = counter + 1
    path = paths[(counter % #paths) + 1]
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
