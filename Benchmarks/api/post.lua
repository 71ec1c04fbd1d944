-- wrk script for Benchmarks/api/run.sh: every request is POST /api/runs with one catalogue run.
wrk.method = "POST"
wrk.body = '{"scenario": "four-way-close"}'
wrk.headers["Content-Type"] = "application/json"
