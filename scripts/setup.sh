#!/usr/bin/env bash
# Installs what building and testing need, idempotently: each step checks before it installs,
# so a warm machine spends seconds here. Safe to run on a brand-new machine (as root, like CI).
#   scripts/setup.sh                everything the tests need (Chromium, Kafka broker, ClickHouse)
#   scripts/setup.sh --no-browser   only what the demo needs
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen` pin in Cargo.toml
PNPM_VERSION=10.34.9
want_browser=1
[[ "${1:-}" == "--no-browser" ]] && want_browser=0

log() { echo "[setup] $*"; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

if ((want_browser)); then
  # Chromium is the main engine of the browser tests; Firefox ESR the second (WebDriver BiDi).
  apt_install chromium chromium-driver firefox-esr
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The SDK's release build recompiles core and alloc (npm/monitor-sdk/scripts/build.mjs says why).
if ! rustup component list --installed | grep -q '^rust-src'; then
  log "rustup component add rust-src"
  rustup component add rust-src
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  # Not --locked: the CLI's lockfile pins a webpki-roots release the registry mirror here lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  log "npm install -g pnpm@$PNPM_VERSION"
  npm install -g --no-audit --no-fund "pnpm@$PNPM_VERSION" >/dev/null
fi

if ((want_browser)); then
  # The collector's production-path tests need a Kafka-protocol broker and ClickHouse.
  bash scripts/services.sh install
fi

log "pnpm install"
CI=true pnpm install --frozen-lockfile --reporter=silent
log "ready"
