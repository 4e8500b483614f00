#!/usr/bin/env bash
# The main job: builds the SDK and the collector, then runs the collector on its embedded
# store with the demo page. Open the printed demo URL, click around, watch events arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$HOME/.cargo/bin:$PATH"
pnpm --filter @org/monitor-sdk build
cargo build --release -p monitor-collector
# The demo page reads events back without a token: allowed only because the collector
# listens on loopback (127.0.0.1:8787 by default). Set MONITOR_API_TOKEN to require one, or
# MONITOR_API_OPEN_ON_LOOPBACK=0 to close reads.
export MONITOR_API_OPEN_ON_LOOPBACK="${MONITOR_API_OPEN_ON_LOOPBACK:-1}"
exec ./target/release/monitor-collector "$@"
