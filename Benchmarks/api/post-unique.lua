-- wrk script for Benchmarks/api/run.sh: POST /api/runs with a new seed each time, so every
-- request is simulated (no cache hit). Each wrk thread counts from its own base.
local counter = 0
base = 0   -- global: setup() gives each thread its own through thread:set
function setup(thread)
  base = base + 1000000000
  thread:set("base", base)
end
function request()
  counter = counter + 1
  local body = '{"scenario": "four-way-close", "seed": ' .. (base + counter) .. '}'
  return wrk.format("POST", "/api/runs", {["Content-Type"] = "application/json"}, body)
end
