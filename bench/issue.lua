-- wrk script: POST a ticket from a kiosk; prints latency percentiles as JSON at the end.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Kiosk-Token"] = os.getenv("KIOSK_TOKEN")  -- a registered kiosk, as in an office
wrk.body = os.getenv("TICKET_BODY")

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "non_2xx": %d, "errors": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
