#!/usr/bin/env bash
# Runs the browser end-to-end tests.
# Usage: bash tests/e2e/run.sh [RESULTS_DIR] [BUILD_DIR]
#   RESULTS_DIR  where e2e.xml (JUnit) and screenshots/ go (default: BUILD_DIR/e2e-results)
#   BUILD_DIR    the build directory holding the tessera binary (default: <repo>/build)
# Needs node >= 20, /usr/bin/chromium, zbarimg and oathtool (scripts/install-deps.sh installs them).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
build_dir="${2:-$repo_root/build}"
build_dir="$(cd "$build_dir" && pwd)"
results="${1:-$build_dir/e2e-results}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
rm -rf "$results/screenshots" "$results/e2e.xml"

for tool in node npm zbarimg oathtool /usr/bin/chromium; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "e2e: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done
if [ ! -x "$build_dir/tessera" ]; then
  echo "e2e: $build_dir/tessera is missing; build it with: ninja -C $build_dir tessera" >&2
  exit 1
fi

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/openid-client ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

export TESSERA_BUILD_DIR="$build_dir"
export E2E_RESULTS_DIR="$results"
exec node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$results/e2e.xml" \
  ./*.test.mjs
