#!/usr/bin/env bash
# Builds the npm package into www/pkg (served with the page, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
wasm-pack build --release --target web --out-dir www/pkg --out-name pipewright "$@"
# Typed declarations from the package's own catalogue (scripts/types.mjs).
node scripts/types.mjs www/pkg
# The npm package: licences, README, the stable worker entry, the CLI, and
# package.json's files/bin/engines (scripts/package.mjs).
node scripts/package.mjs www/pkg
# The page's one third-party file: uPlot, for the timeline and memory charts.
mkdir -p www/vendor
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css www/vendor/
