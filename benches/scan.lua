-- wrk script for benches/load_scan.sh: GET /s/{code} with a random code
-- from the file named by the CODES environment variable (one per line).
--
-- Every thread counts, per code, the requests it SENT and the 2xx
-- responses it RECEIVED (the code is read back from the page, so a
-- response is matched to its stamp whatever connection carried it), and
-- every status that is not 2xx. `done` sums the threads and writes
-- "code sent received" lines to the file named by RESULTS, for the script
-- to hold against the scans the server stored, and prints one
-- machine-readable WRK_TOTALS line.

local codes = {}
local threads = {}

-- Per thread (each wrk thread has its own Lua state).
sent = {}
received = {}
received_2xx = 0
other_status = 0
unmatched = 0

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  local path = os.getenv("CODES")
  if path == nil or path == "" then
    error("set CODES to a file of stamp codes")
  end
  for line in io.lines(path) do
    if #line > 0 then
      codes[#codes + 1] = line
    end
  end
  if #codes == 0 then
    error("no codes in " .. path)
  end
  -- Seed each thread differently.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  local code = codes[math.random(#codes)]
  sent[code] = (sent[code] or 0) + 1
  return wrk.format("GET", "/s/" .. code)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    other_status = other_status + 1
    return
  end
  received_2xx = received_2xx + 1
  -- The page shows the code grouped by four: <p class="code">…<b>7K3M 9QXH 2B4T R8WD</b>
  local grouped = body:match('<p class="code">[^<]*<b>([0-9A-Z ]+)</b>')
  if grouped == nil then
    unmatched = unmatched + 1
    return
  end
  local code = grouped:gsub(" ", "")
  received[code] = (received[code] or 0) + 1
end

function done(summary, latency, requests)
  local totals = { received_2xx = 0, other_status = 0, unmatched = 0 }
  local per_code = {}
  for _, t in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + t:get(name)
    end
    for code, n in pairs(t:get("sent")) do
      local c = per_code[code] or { 0, 0 }
      c[1] = c[1] + n
      per_code[code] = c
    end
    for code, n in pairs(t:get("received")) do
      local c = per_code[code] or { 0, 0 }
      c[2] = c[2] + n
      per_code[code] = c
    end
  end
  local path = os.getenv("RESULTS")
  if path ~= nil and path ~= "" then
    local out = assert(io.open(path, "w"))
    for code, c in pairs(per_code) do
      out:write(code, " ", c[1], " ", c[2], "\n")
    end
    out:close()
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_TOTALS completed=%d received_2xx=%d other_status=%d unmatched=%d "
      .. "non2xx=%d connect=%d read=%d write=%d timeout=%d p99_us=%d\n",
    summary.requests, totals.received_2xx, totals.other_status, totals.unmatched,
    e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(99)))
end
