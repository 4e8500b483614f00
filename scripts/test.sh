#!/usr/bin/env bash
# Every test: formatting and lints, native unit and integration tests, the SDK build and its
# size budget, wasm tests in headless Chromium, and the end-to-end tests (packed npm package,
# real Chromium, real collector). Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { echo; echo "=== $* ==="; }

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p monitor-sdk-browser --target wasm32-unknown-unknown -- -D warnings

step "native tests (sdk-core, integrations, collector with real Kafka and ClickHouse)"
bash scripts/services.sh start all
trap 'bash scripts/services.sh stop all >/dev/null 2>&1 || true' EXIT
cargo test --workspace

step "SDK loader unit tests, build and size budget"
pnpm --filter @org/monitor-sdk test
pnpm --filter @org/monitor-sdk build
pnpm --filter @org/monitor-sdk size

step "wasm tests in headless Chromium"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
  cargo test -p monitor-sdk-browser --features std --target wasm32-unknown-unknown

step "end-to-end tests"
cargo build -p monitor-collector
pnpm --filter monitor-dashboard build
pnpm --filter monitor-e2e test
