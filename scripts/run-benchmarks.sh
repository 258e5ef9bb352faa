#!/usr/bin/env bash
# Runs the benchmarks of a build and prints each figure as a ratio against a baseline
# measured in the same run (absolute numbers depend on the machine; ratios much less so): Argon2id
# for the crypto and sign-in figures, node oidc-provider and a bare Beast server for the OIDC ones.
# Usage: scripts/run-benchmarks.sh BUILD_DIR   (SIGN_IN_BENCH_ARGS: options of tessera_sign_in_bench)
set -euo pipefail

build_dir=${1:-build}
out="$build_dir/bench-results"
mkdir -p "$out"

"$build_dir/bench/tessera_crypto_bench" --benchmark_format=json --benchmark_min_time=0.5 \
  >"$out/crypto.json"

/usr/bin/python3 - "$out/crypto.json" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
def seconds(name):
    b = runs[name]
    return b["real_time"] * units[b["time_unit"]]
base_name = next(n for n in runs if n.startswith("Argon2idHashDefaultParameters"))
base = seconds(base_name)
print(f"baseline: Argon2id (m=19456 KiB, t=2, p=1) {base*1e3:.1f} ms per hash, "
      f"{1/base:.1f} hashes/s per core")
for name in runs:
    if name == base_name:
        continue
    t = seconds(name)
    print(f"{name:40s} {t*1e6:10.2f} us  = {t/base*100:8.4f} % of one Argon2id hash")
PY

# Sign-ins/s through the HTTP server (password, password+TOTP) against the Argon2id bound of the
# same run: as many threads hashing as the server's password-hashing pool has (target ≥ 90 %).
# SIGN_IN_BENCH_ARGS passes options through (e.g. "--workers 4 --seconds 20").
echo
# shellcheck disable=SC2086
"$build_dir/bench/tessera_sign_in_bench" --json "$out/sign_in.json" ${SIGN_IN_BENCH_ARGS:-}

# The OpenID Connect provider and forward auth, each against a baseline run in the same script
# with the same load generator: POST /token (client_credentials) and the code flow of a signed-in
# person against node's oidc-provider (target ≥ 10×), GET /auth/verify against a bare Boost.Beast
# "hello" server (target ≥ 50 %, p99 < 2 ms). OIDC_BENCH_* variables: see bench/oidc_bench.sh.
echo
"$(dirname "$0")/../bench/oidc_bench.sh" "$build_dir" "$out"
