#!/usr/bin/env bash
# The main job: builds the SDK and the collector, then runs the collector on its embedded
# store with the demo page. Open the printed demo URL, click around, watch events arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export PATH="$HOME/.cargo/bin:$PATH"
pnpm --filter @org/monitor-sdk build
cargo build --release -p monitor-collector
exec ./target/release/monitor-collector "$@"
