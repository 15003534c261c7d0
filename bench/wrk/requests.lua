-- Replays a request list at wrk's fixed concurrency; prints one BENCH_JSON line when done.
-- Usage: wrk -t T -c C -d D -s requests.lua http://127.0.0.1:PORT -- <list file> <T>
-- List lines: METHOD<TAB>PATH<TAB>TOKEN|-<TAB>JSON BODY|-
-- Thread i sends lines i, i+T, i+2T, ... so no two threads send the same line (writes such as
-- "apply to a casting" must never repeat); the list wraps around when it runs out.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests = {}
  for line in io.lines(file) do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S+)\t(.*)$")
    -- What the proxy in front of the app sets; keeps SECURE_SSL_REDIRECT from answering 301.
    local headers = { ["X-Forwarded-Proto"] = "https", ["Accept"] = "application/json" }
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    if body == "-" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  step = nthreads
  index = ((id - 1) % #requests) + 1
  non2xx = 0
  first_error = ""
end

function request()
  local r = requests[index]
  index = index + step
  if index > #requests then index = ((index - 1) % #requests) + 1 end
  return r
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_error == "" then first_error = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local non2xx_total, sample = 0, ""
  for _, t in ipairs(threads) do
    non2xx_total = non2xx_total + t:get("non2xx")
    if sample == "" then sample = t:get("first_error") end
  end
  local pct = {}
  local points = { 1, 5, 10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 97, 98,
                   99, 99.5, 99.9, 99.99 }
  for _, p in ipairs(points) do
    pct[#pct + 1] = string.format('"%s":%d', p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f},"percentiles_us":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, non2xx_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev, table.concat(pct, ",")))
  if sample ~= "" then io.write("BENCH_FIRST_ERROR " .. sample .. "\n") end
end
