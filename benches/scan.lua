-- wrk script for benches/load_scan.sh: GET /s/{code} with a random code
-- from the file named by the CODES environment variable (one per line).
-- Prints machine-readable totals at the end for the script to check.

local codes = {}

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
  -- Each wrk thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", "/s/" .. codes[math.random(#codes)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_TOTALS completed=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p99_us=%d\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(99)))
end
