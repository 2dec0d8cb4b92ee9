#!/usr/bin/env bash
# Builds the npm package into www/pkg (served with the page, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
wasm-pack build --release --target web --out-dir www/pkg --out-name pipewright "$@"
