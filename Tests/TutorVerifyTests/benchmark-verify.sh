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
# Graph v1.0 unlinks an app from a user flow with DELETE …/includeApplications/{appId} (no /$ref);
# correct the tutorial's cleanup URL in the copy until the tutorial itself is fixed.
sed -i 's|includeApplications/{{clientId}}/\$ref|includeApplications/{{clientId}}|' \
    "$work/tutorials/includes/configure-user-flow/add-app-user-flow.md"
for i in 1 2 3 4 5 6 7 8; do
    cp "$work/tutorials/tutorial-web-app-python-flask-prepare-tenant.md" "$work/tutorials/t$i.md"
done

"$tutor" sandbox serve --port 0 --latency-ms 50 --throttle-rate "$throttle" --seed 1 >"$work/serve.log" 2>&1 &
serve=$!
# Wait for serve to write its port (asking `sandbox info` earlier would race its first bootstrap).
for _ in $(seq 1 150); do
    [ -s "$XDG_STATE_HOME/tutor/sandbox/server.json" ] && break
    sleep 0.2
done
"$tutor" sandbox info | grep -q '"running" *: *true'

# jobs:writes-per-second (10 is the default budget; 0 switches it off)
for config in 1:10 4:10 4:0; do
    jobs=${config%%:*}
    rate=${config##*:}
    "$tutor" verify "$work"/tutorials/t?.md --jobs "$jobs" --writes-per-second "$rate" \
        --state-root "$work/runs-$jobs-$rate" --report "$work/report-$jobs-$rate.json" \
        >/dev/null 2>"$work/verify-$jobs-$rate.log" || {
        cat "$work/verify-$jobs-$rate.log"
        exit 1
    }
    python3 - "$work/report-$jobs-$rate.json" "$jobs" "$rate" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
traffic = report["throttling"]["traffic"]
print(f"--jobs {sys.argv[2]} --writes-per-second {sys.argv[3]}: {report['durationMs'] / 1000:.2f} s, "
      f"{report['summary']['passed']}/{report['summary']['tutorials']} passed, "
      f"{traffic['requests']} Graph requests, {traffic['writes']} writes, "
      f"429s: {traffic['throttled']} ({traffic['throttledWrites']} on writes), "
      f"budget wait {traffic['budgetWaitMs']} ms")
PY
done
