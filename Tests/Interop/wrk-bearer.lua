-- wrk script: sends every request with the bearer token from the BENCH_TOKEN environment variable.
local token = os.getenv("BENCH_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
