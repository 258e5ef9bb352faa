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
  # libphonenumber: the library and what its headers include (the headers themselves: see below)
  libphonenumber8 libprotobuf-dev libabsl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 sqlite3 oathtool zbar-tools wrk
  python3-aiosmtpd
  # the OIDC benchmarks (bench/oidc_bench.sh): curl signs in, python3 sums up; node runs oidc-provider
  curl python3
  # browser end-to-end tests (tests/e2e): Debian's chromium driven by the npm package playwright-core
  chromium fonts-dejavu-core nodejs
  # relying parties of the browser tests (tests/e2e/relying_parties): each test runs its own
  nginx apache2 libapache2-mod-auth-openidc
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

# Debian 12's libphonenumber-dev depends on Boost 1.74's development files, which conflict with the
# Boost 1.81 ones tessera needs (Boost.URL), so apt refuses to install it. Its headers do not use
# Boost (they are built for std::mutex), so they are taken from that same Debian package, unpacked
# into .deps/ of this checkout, and tessera links the installed libphonenumber8.
phonenumber_root="$(cd "$(dirname "$0")/.." && pwd)/.deps/libphonenumber-dev"
install_phonenumber_headers() {
  if [ -f "$phonenumber_root/usr/include/phonenumbers/phonenumberutil.h" ]; then
    return 0
  fi
  local version work
  version="$(dpkg-query -W -f='${Version}' libphonenumber8)"
  work="$(mktemp -d)"
  chmod 755 "$work"
  echo "install-deps: unpacking the headers of libphonenumber-dev $version into .deps/"
  (cd "$work" && apt-get download -qq "libphonenumber-dev=$version" >/dev/null 2>&1) ||
    { "${sudo_cmd[@]}" apt-get update -qq && (cd "$work" && apt-get download -qq "libphonenumber-dev=$version"); }
  rm -rf "$phonenumber_root"
  mkdir -p "$phonenumber_root"
  dpkg-deb -x "$work"/libphonenumber-dev_*.deb "$phonenumber_root"
  rm -rf "$work"
}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

if [ ${#missing[@]} -eq 0 ]; then
  install_phonenumber_headers
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests start nginx and Apache themselves, on free ports; the system services the packages
# start (where no policy-rc.d forbids it) are stopped and disabled again when installed just now.
for service in nginx apache2; do
  if [[ " ${missing[*]} " == *" $service "* ]]; then
    if [ -d /run/systemd/system ]; then
      "${sudo_cmd[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || true
    else
      "${sudo_cmd[@]}" service "$service" stop >/dev/null 2>&1 || true
    fi
  fi
done
install_phonenumber_headers
echo "install-deps: done"
