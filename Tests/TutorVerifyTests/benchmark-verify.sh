#!/usr/bin/env bash
# Measures `tutor verify` of 8 tutorials with --jobs 1 and --jobs 4 against a sandbox that adds
# 50 ms to every Graph answer (and, with THROTTLE_RATE, answers that share of requests 429).
# Usage (from the repository root, after `swift build`):
#   Tests/TutorVerifyTests/benchmark-verify.sh                  # latency only
#   THROTTLE_RATE=0.1 Tests/TutorVerifyTests/benchmark-verify.sh  # latency and throttling
set -euo pipefail
tutor=${TUTOR:-$PWD/.build/debug/tutor}
throttle=${THROTTLE_RATE:-0}
work=$(mktemp -d)
trap 'kill "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state"   # a home of its own, so the user's sandbox is left alone

cp -R tutorials "$work/tutorials"
for i in 1 2 3 4 5 6 7 8; do
    cp "$work/tutorials/tutorial-web-app-python-flask-prepare-tenant.md" "$work/tutorials/t$i.md"
done

"$tutor" sandbox serve --port 0 --latency-ms 50 --throttle-rate "$throttle" --seed 1 >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 100); do
    "$tutor" sandbox info 2>/dev/null | grep -q '"running" *: *true' && break
    sleep 0.2
done

for jobs in 1 4; do
    "$tutor" verify "$work"/tutorials/t?.md --jobs "$jobs" --state-root "$work/runs-$jobs" \
        --report "$work/report-$jobs.json" >/dev/null 2>"$work/verify-$jobs.log" || {
        cat "$work/verify-$jobs.log"
        exit 1
    }
    python3 - "$work/report-$jobs.json" "$jobs" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
traffic = report["throttling"]["traffic"]
print(f"--jobs {sys.argv[2]}: {report['durationMs'] / 1000:.2f} s, "
      f"{report['summary']['passed']}/{report['summary']['tutorials']} passed, "
      f"{traffic['requests']} Graph requests, {traffic['writes']} writes, "
      f"429s: {traffic['throttled']} ({traffic['throttledWrites']} on writes), "
      f"budget wait {traffic['budgetWaitMs']} ms")
PY
done
