#!/usr/bin/env bash
# The main job: builds the SDK, the dashboard and the collector, then runs the collector on
# its embedded store with the demo page. Open the printed demo URL, click around, then the
# dashboard URL (also at /) to see those events: live counts, vitals, issues, behaviour.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$HOME/.cargo/bin:$PATH"
pnpm --filter @org/monitor-sdk build
pnpm --filter monitor-dashboard build
cargo build --release -p monitor-collector
# The demo page and the dashboard read events back without a token: allowed only because the collector
# listens on loopback (127.0.0.1:8787 by default). Set MONITOR_API_TOKEN to require one, or
# MONITOR_API_OPEN_ON_LOOPBACK=0 to close reads.
export MONITOR_API_OPEN_ON_LOOPBACK="${MONITOR_API_OPEN_ON_LOOPBACK:-1}"
exec ./target/release/monitor-collector "$@"
