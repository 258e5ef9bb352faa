#!/usr/bin/env bash
# Installs the Debian packages tessera needs to build, run and test, and nothing else.
# Idempotent: does nothing (and needs no network) when every package is already present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libsqlite3-dev libpq-dev libqrencode-dev
  libcurl4-openssl-dev libtomlplusplus-dev libcli11-dev
  libkainjow-mustache-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 sqlite3 oathtool zbar-tools wrk
  # browser end-to-end tests (tests/e2e): Debian's chromium driven by the npm package playwright-core
  chromium fonts-dejavu-core nodejs
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

# npm ships inside some nodejs builds (e.g. NodeSource's); Debian packages it separately.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
