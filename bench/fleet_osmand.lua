-- wrk script for bench/fleet.py: Traccar Client-style OsmAnd GETs, a unique timestamp each,
-- the devices (FLEET_DEVICES: "serial key" lines) in turn. Counts 200s and the rest.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  devices = {}
  for line in io.lines(os.getenv("FLEET_DEVICES")) do
    local s, k = line:match("(%S+) (%S+)")
    table.insert(devices, { s, k })
  end
  base = tonumber(os.getenv("FLEET_BASE"))
  counter = 0
  ok = 0
  bad = 0
end

function request()
  counter = counter + 1
  local n = counter * 8 + tid -- unique across (at most 8) threads: one fix time each
  local d = devices[(n % #devices) + 1]
  return wrk.format("GET", "/api/telemetry/osmand?id=" .. d[1] .. "&key=" .. d[2]
    .. "&lat=41.88&lon=-87.63&timestamp=" .. (base + n) .. "&batt=80&speed=1&accuracy=8")
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local good, other = 0, 0
  for _, t in ipairs(threads) do
    good = good + (t:get("ok") or 0)
    other = other + (t:get("bad") or 0)
  end
  io.write(string.format("p50_ms=%.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("p90_ms=%.2f\n", latency:percentile(90) / 1000))
  io.write(string.format("p999_ms=%.2f\n", latency:percentile(99.9) / 1000))
  io.write(string.format("p99_ms=%.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("ok=%d\nbad=%d\n", good, other + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
