#!/usr/bin/env bash
# Installs whatever this project needs and is missing; skips what is present.
# Run by `npm start` and `npm test`. Safe to run again: a second run installs
# nothing and says so ("setup: nothing to install").
set -euo pipefail
cd "$(dirname "$0")/.."

installed=0
say() { printf 'setup: %s\n' "$*"; }
need() { installed=1; say "installing $*"; }

export PATH="$HOME/.cargo/bin:$PATH"

# The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  need "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
  need "wasm-bindgen-cli $wbg_version"
  # --locked first. The registry mirror here lacks one crate of its lock file
  # (webpki-roots 1.0.11), in which case resolve afresh at the same version.
  cargo install --locked wasm-bindgen-cli --version "$wbg_version" \
    || cargo install wasm-bindgen-cli --version "$wbg_version"
fi

wasm_pack_version=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$wasm_pack_version" ]; then
  need "wasm-pack $wasm_pack_version"
  cargo install --locked wasm-pack --version "$wasm_pack_version" \
    || cargo install wasm-pack --version "$wasm_pack_version"
fi

# The three browser engines, all from Debian's packages, never a downloaded
# browser: Chromium and its driver; Firefox ESR (geckodriver comes from
# crates.io, below); WebKitGTK's WebKitWebDriver, which drives its
# MiniBrowser, and Xvfb, since MiniBrowser has no headless switch.
apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
command -v firefox-esr >/dev/null || apt_missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null || apt_missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null || apt_missing+=(xvfb)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    need "${apt_missing[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  else
    say "missing and not root: install the Debian packages ${apt_missing[*]}"
    exit 1
  fi
fi

# geckodriver, for Firefox over WebDriver (wasm-pack test --firefox and the
# end-to-end tests). Its lock file resolves on this registry mirror.
geckodriver_version=0.37.1
if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$geckodriver_version" ]; then
  need "geckodriver $geckodriver_version"
  cargo install --locked geckodriver --version "$geckodriver_version"
fi

# Fuzzing (scripts/fuzz.sh, a 30 s smoke of each target in `npm test`):
# cargo-fuzz drives libFuzzer, which needs a nightly toolchain.
if ! rustc +nightly --version >/dev/null 2>&1; then
  need "rust nightly toolchain (for cargo fuzz)"
  rustup toolchain install nightly --profile minimal
fi
cargo_fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$cargo_fuzz_version" ]; then
  need "cargo-fuzz $cargo_fuzz_version"
  cargo install --locked cargo-fuzz --version "$cargo_fuzz_version" \
    || cargo install cargo-fuzz --version "$cargo_fuzz_version"
fi

# npm packages from package-lock.json (binaryen@132 provides wasm-opt).
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  need "npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$installed" = 0 ]; then
  say "nothing to install"
fi
