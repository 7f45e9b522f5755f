#!/usr/bin/env bash
# Benchmarks of `tutor run` against a `tutor sandbox serve` on loopback (not tests: figures only).
#   1. --latency-ms 50: wall time against the budget 1.10 × (requests × 50 ms) + 200 ms
#   2. --replication-lag-ms 2000: wall time against the same run without lag
#   3. TLS handshakes (connections opened) per run, and peak memory (max RSS) of `tutor run`
# Usage: Tests/Benchmarks/runner.sh [path/to/tutor]   (default: the debug build; use -c release for real figures)
set -euo pipefail
cd "$(dirname "$0")/../.."
TUTOR=${1:-$(swift build --show-bin-path)/tutor}
TUTORIAL=tutorials/tutorial-web-app-python-flask-prepare-tenant.md
WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

serve() {  # serve NAME [sandbox flags...]: a fresh sandbox home under $WORK/NAME, on a free port
  local name=$1; shift
  [ -n "$SERVER" ] && { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
  export XDG_STATE_HOME="$WORK/$name"
  "$TUTOR" sandbox serve --port 0 "$@" > "$WORK/$name.serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    # Wait for the server record rather than racing `serve` while it prepares the home.
    if [ -s "$XDG_STATE_HOME/tutor/sandbox/server.json" ]; then return; fi
    sleep 0.1
  done
  echo "sandbox did not start" >&2; cat "$WORK/$name.serve.log" >&2; exit 1
}

run() {  # run NAME: one `tutor run` on the current sandbox; prints "seconds requests connections maxrss_kb"
  local name=$1
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" \
    "$TUTOR" run "$TUTORIAL" --state-dir "$WORK/$name.state" --json > "$WORK/$name.jsonl"
  local finished
  finished=$(grep '"event":"runFinished"' "$WORK/$name.jsonl")
  local requests connections
  requests=$(sed -E 's/.*"requests":([0-9]+).*/\1/' <<< "$finished")
  connections=$(sed -E 's/.*"connections":([0-9]+|null).*/\1/' <<< "$finished")
  read -r seconds rss < "$WORK/$name.time"
  echo "$seconds $requests $connections $rss"
}

serve baseline
read -r base_s base_req base_conn base_rss <<< "$(run baseline)"
echo "no faults:            ${base_s}s, $base_req Graph requests (+1 token request), $base_conn connection(s), max RSS ${base_rss} kB"

serve latency --latency-ms 50
read -r lat_s lat_req lat_conn lat_rss <<< "$(run latency)"
total=$((lat_req + 1))
budget=$(awk -v n="$total" 'BEGIN { printf "%.3f", 1.10 * n * 0.050 + 0.200 }')
verdict=$(awk -v t="$lat_s" -v b="$budget" 'BEGIN { print (t <= b) ? "within" : "OVER" }')
echo "--latency-ms 50:      ${lat_s}s for $total requests; budget 1.10 × $total × 50 ms + 200 ms = ${budget}s ($verdict); $lat_conn connection(s), max RSS ${lat_rss} kB"

serve lag --replication-lag-ms 2000
read -r lag_s lag_req lag_conn lag_rss <<< "$(run lag)"
extra=$(awk -v a="$lag_s" -v b="$base_s" 'BEGIN { printf "%.2f", a - b }')
echo "--replication-lag-ms 2000: ${lag_s}s ($extra s more than without lag), $lag_req requests, $lag_conn connection(s)"
grep -o '"event":"retry","name":"[^"]*","reason":"[^"]*"' "$WORK/lag.jsonl" | sort | uniq -c | sed 's/^/    /' || true
