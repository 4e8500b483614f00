#!/usr/bin/env bash
# The main job: builds the SDK, the dashboard and the collector, then runs the collector on
# its embedded store with the demo page and the dashboard. On a project without events yet
# it first sends a day of demo traffic (dashboard/scripts/seed.mjs; MONITOR_DEMO_SEED=0 to
# skip), so the dashboard opens with something in it. Open the printed demo URL and click
# around: those events join the dashboard's live chart, issues and behaviour.
#
# MONITOR_DEMO_PROFILE=debug builds and runs the debug collector (what the tests do, to
# skip a release build); arguments go to the collector (--config PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$HOME/.cargo/bin:$PATH"
pnpm --filter @org/monitor-sdk build
pnpm --filter monitor-dashboard build
profile="${MONITOR_DEMO_PROFILE:-release}"
if [ "$profile" = debug ]; then
  cargo build -p monitor-collector
else
  cargo build --release -p monitor-collector
fi
# The demo page and the dashboard read events back without a token: allowed only because the collector
# listens on loopback (127.0.0.1:8787 by default). Set MONITOR_API_TOKEN to require one, or
# MONITOR_API_OPEN_ON_LOOPBACK=0 to close reads.
export MONITOR_API_OPEN_ON_LOOPBACK="${MONITOR_API_OPEN_ON_LOOPBACK:-1}"
if [ "${MONITOR_DEMO_SEED:-1}" = 0 ]; then
  exec "./target/$profile/monitor-collector" "$@"
fi

started="$(mktemp)"
"./target/$profile/monitor-collector" "$@" > >(tee "$started") &
collector=$!
trap 'kill "$collector" 2>/dev/null; wait "$collector" 2>/dev/null' INT TERM EXIT
url=""
for _ in $(seq 1 200); do
  url="$(grep -o 'listening on http://[^ ]*' "$started" | head -n 1 | cut -d ' ' -f 3 || true)"
  [ -n "$url" ] && break
  kill -0 "$collector" 2>/dev/null || { wait "$collector"; exit $?; }
  sleep 0.1
done
rm -f "$started"
if [ -n "$url" ]; then
  node dashboard/scripts/seed.mjs --url "$url" --if-empty ||
    echo "[demo] no demo traffic sent (see above); the dashboard fills as the demo page sends events" >&2
  echo "[demo] open $url/dashboard/ (the dashboard) and $url/demo/ (a page using the SDK); Ctrl-C stops"
fi
wait "$collector"
