#!/usr/bin/env bash
# `npm run fuzz [-- SECONDS]`: runs every cargo-fuzz target in fuzz/ for
# SECONDS each (default 600), each input limited to 10 s (a slow input is a
# finding, like a crash), and prints executions and coverage per target.
# Needs the nightly toolchain and cargo-fuzz 0.13.2, which scripts/setup.sh
# installs (`npm run fuzz` runs it first). `npm test` runs this for 30 s per
# target; a finding fails it and its input is saved in fuzz/artifacts/:
# copy it to fuzz/regressions/<target>/ once fixed, and cargo test replays
# it (tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
status=0
for target in $(cargo +nightly fuzz list); do
  # New inputs go to corpus-run/ (ignored by git); corpus/ holds the seeds.
  mkdir -p "corpus-run/$target" "corpus/$target"
  log="$(mktemp)"
  if cargo +nightly fuzz run "$target" "corpus-run/$target" "corpus/$target" -- -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    result="ok"
  else
    result="FINDING (see fuzz/artifacts/$target)"
    status=1
  fi
  execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')"
  printf '%-16s %8ss  %12s executions  cov %6s  %s\n' "$target" "$seconds" "$execs" "$cov" "$result"
  [ "$result" = ok ] || tail -30 "$log"
  rm -f "$log"
done
exit "$status"
