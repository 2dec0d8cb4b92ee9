#!/usr/bin/env bash
# The quick pre-commit gate: formatting, clippy on both targets, native tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
cargo test --quiet 2>&1 | grep -E "^test result|FAILED|panicked" | grep -v " 0 passed" || true
cargo test --quiet >/dev/null 2>&1
