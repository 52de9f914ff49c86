-- wrk script: POST /predict with bodies read from BENCH_BODIES (one JSON body per line),
-- taken in turn; at the end print one JSON line with the latency percentiles (microseconds).
local bodies = {}
local next_body = 1

function init(args)
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  wrk.method = "POST"
  wrk.path = "/predict"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d,'
      .. ' "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d,'
      .. ' "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.connect, errors.read, errors.write, errors.status,
    errors.timeout))
end
