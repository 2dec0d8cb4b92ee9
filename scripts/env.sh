# Sourced by the build and test scripts: puts cargo's tools and the npm
# binaryen's wasm-opt (not Debian's 108, which breaks wasm-bindgen 0.2.130
# output) first on PATH, and names the WebDriver servers wasm-pack and the
# end-to-end tests use.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export GECKODRIVER="${GECKODRIVER:-$HOME/.cargo/bin/geckodriver}"
