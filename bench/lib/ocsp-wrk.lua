-- wrk script of the `ocsp` benchmark (bench/lib/ocsp-wrk-load.ts runs it): POSTs pre-built DER
-- OCSP requests, round-robin over a pool, and counts an answer only when it is HTTP 200 and an
-- OCSPResponse whose responseStatus is successful (RFC 6960 4.2.1). At the end it prints one JSON
-- line: the counts and latency percentiles (microseconds).
--
-- Arguments (after `--`): <file of requests, one hex DER request per line> <url path>.
-- Environment: OCSP_TARGET_HOST and OCSP_TARGET_PORT, the server to load. The URL wrk is given
-- names a stand-in listener instead: before starting, wrk opens and closes one connection to its
-- URL, and `openssl ocsp` (3.0) spins forever on a connection closed before sending a request.

local threads = {}
local counter = 0
local targetHost = os.getenv("OCSP_TARGET_HOST")
local targetPort = os.getenv("OCSP_TARGET_PORT")
local target = wrk.lookup(targetHost, targetPort)[1]

function setup(thread)
  counter = counter + 1
  thread.addr = target
  thread:set("id", counter)
  table.insert(threads, thread)
end

local pool = {}
local nextIndex = 1
ok = 0
bad = 0
firstBad = ""

local function unhex(text)
  return (text:gsub("..", function(pair) return string.char(tonumber(pair, 16)) end))
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local path = args[2]
  for line in file:lines() do
    if #line > 0 then
      local body = unhex(line)
      pool[#pool + 1] = wrk.format("POST", path, {
        ["Host"] = targetHost .. ":" .. targetPort,
        ["Content-Type"] = "application/ocsp-request",
        ["Content-Length"] = tostring(#body),
      }, body)
    end
  end
  file:close()
  -- Threads start at different places in the pool.
  nextIndex = ((id or 1) * 131) % #pool + 1
end

function request()
  local r = pool[nextIndex]
  nextIndex = nextIndex + 1
  if nextIndex > #pool then nextIndex = 1 end
  return r
end

-- SEQUENCE { ENUMERATED 0 (successful), ... }
function response(status, headers, body)
  if status == 200 and body:byte(1) == 0x30 then
    local first = body:byte(2) or 0
    local at = 3
    if first >= 0x80 then at = 3 + (first - 0x80) end
    if body:byte(at) == 0x0a and body:byte(at + 1) == 0x01 and body:byte(at + 2) == 0x00 then
      ok = ok + 1
      return
    end
  end
  bad = bad + 1
  if firstBad == "" then firstBad = "HTTP " .. status .. ", " .. #body .. " octets" end
end

function done(summary, latency, requests)
  local okTotal, badTotal, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    okTotal = okTotal + thread:get("ok")
    badTotal = badTotal + thread:get("bad")
    local f = thread:get("firstBad")
    if first == "" and f ~= nil then first = f end
  end
  -- Percentiles only: listing wrk's latency histogram from Lua costs seconds (each `latency(i)`
  -- walks the histogram from its start).
  local e = summary.errors
  io.write(string.format(
    '\nWRK-JSON {"ok":%d,"bad":%d,"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"firstBad":"%s","p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    okTotal, badTotal, summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    first, latency:percentile(50), latency:percentile(99), latency.max))
end
