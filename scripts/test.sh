#!/usr/bin/env bash
# Every check and test, in the order CI runs them. `npm test` runs
# scripts/setup.sh first, so everything needed is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy (native and wasm32)"
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
step "native tests (cargo test)"
cargo test --quiet
# One engine per run: wasm-bindgen-test-runner picks its browser from the
# driver variables it sees (GECKODRIVER first), so with both set a
# `--chrome --firefox` run tested Firefox twice (measured: both runs printed
# "Running headless tests in Firefox").
step "browser tests in Chromium (wasm-pack test --headless --chrome)"
env -u GECKODRIVER wasm-pack test --headless --chrome
step "browser tests in Firefox ESR (wasm-pack test --headless --firefox)"
env -u CHROMEDRIVER wasm-pack test --headless --firefox
step "build the package into www/pkg"
bash scripts/build.sh >/dev/null 2>&1 || bash scripts/build.sh
step "end-to-end and set-up tests in Chromium, Firefox ESR and WebKitGTK (node --test)"
# Each engine's tests record what they showed here, for the engine table.
rm -rf test-results/engines
node --test --test-concurrency=1 tests/*.test.mjs tests/e2e/*.test.mjs
step "soak, short form, in Chromium, Firefox ESR and WebKitGTK (npm run soak runs the long one)"
for engine in chromium firefox webkit; do
  node scripts/soak.mjs --short --browser "$engine"
done
step "fuzzing smoke: every cargo-fuzz target for 30 s (npm run fuzz runs 10 minutes each)"
bash scripts/fuzz.sh 30
step "the README's engine table against this run"
node scripts/engine-table.mjs --check
