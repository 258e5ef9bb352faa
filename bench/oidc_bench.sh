#!/usr/bin/env bash
# The OpenID Connect and forward-auth benchmarks, each as a ratio against a baseline measured in
# the same run, with the same load generator (tessera_http_load) for both sides:
#   1. POST /token, client_credentials: tessera vs node oidc-provider (bench/oidc/server.mjs, in
#      memory, ES256), requests/s; target ≥ 10×.
#   2. The code flow of a person already signed in (GET /authorize → 302 with a code → POST /token
#      with the code and its PKCE verifier): tessera vs oidc-provider, round trips/s; target ≥ 10×.
#   3. GET /auth/verify with a live session vs a bare Boost.Beast "hello" server
#      (tessera_hello_server), same request; target ≥ 50 % of its rate and p99 < 2 ms.
# Every server runs on 127.0.0.1 at a free port with its data in a temporary directory, and is
# ended (by its pid) when this script exits, however it exits.
#
# Usage: bench/oidc_bench.sh BUILD_DIR [OUT_DIR]
# OIDC_BENCH_SECONDS (4: each side gets two such slices), OIDC_BENCH_WARMUP (1),
# OIDC_BENCH_CONNECTIONS (16) and OIDC_BENCH_THREADS (1) set the load generator's measuring
# window per slice, warm-up, keep-alive connections and threads. Writes OUT_DIR/oidc/ (each
# slice's JSON and latency samples) and OUT_DIR/oidc.json (the summary). Exits
# non-zero when a measurement fails (a server does not start, a sign-in fails, more than 1 % of
# the requests fail); a target that is not met is printed, not an error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="$(cd "${1:?usage: bench/oidc_bench.sh BUILD_DIR [OUT_DIR]}" && pwd)"
out="${2:-$build_dir/bench-results}"
mkdir -p "$out/oidc"
out="$(cd "$out" && pwd)"

seconds=${OIDC_BENCH_SECONDS:-4}
warmup=${OIDC_BENCH_WARMUP:-1}
connections=${OIDC_BENCH_CONNECTIONS:-16}
threads=${OIDC_BENCH_THREADS:-1}

tessera="$build_dir/tessera"
load="$build_dir/bench/tessera_http_load"
hello="$build_dir/bench/tessera_hello_server"
for binary in "$tessera" "$load" "$hello"; do
  [ -x "$binary" ] || { echo "oidc-bench: $binary is missing (cmake --build $build_dir)" >&2; exit 1; }
done
for tool in node npm curl /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "oidc-bench: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
if [ ! -d "$here/oidc/node_modules/oidc-provider" ]; then
  (cd "$here/oidc" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

work="$(mktemp -d /tmp/tessera-oidc-bench-XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "oidc-bench: $*" >&2
  exit 1
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The first line of FILE once it has one (a server's "I listen" line), waiting up to 15 s while
# process PID lives.
first_line() {
  local file=$1 pid=$2 i
  for i in $(seq 1 150); do
    if [ -s "$file" ] && [ "$(wc -l <"$file")" -ge 1 ]; then
      head -n 1 "$file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# The value of the hidden csrf field of an HTML page.
csrf_of() {
  grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'
}

redirect_uri="http://127.0.0.1:9/callback"  # the app's; no request ever goes there
password="correct horse battery staple 42"
upn="alice@example.com"

# ------------------------------------------------------------------ tessera

port=$(free_port)
base="http://127.0.0.1:$port"
config="$work/tessera.toml"
cat >"$config" <<EOF
[server]
address = "127.0.0.1"
port = $port
public_url = "$base"
[storage]
sqlite_path = "$work/tessera.db"
[security]
master_key_file = "$work/master.key"
[log]
level = "warn"
[forward_auth]
allowed_hosts = ["127.0.0.1"]
EOF
"$tessera" --config "$config" init >/dev/null
"$tessera" --config "$config" user add "$upn" --display-name Alice --password "$password" >/dev/null
"$tessera" --config "$config" mfa set "$upn" disabled >/dev/null
"$tessera" --config "$config" client add "Benchmark app" --redirect-uri "$redirect_uri" \
  --grant authorization_code --grant refresh_token --grant client_credentials >"$work/client.txt"
client_id=$(awk '/^client_id:/ {print $2}' "$work/client.txt")
client_secret=$(awk '/^client_secret:/ {print $2}' "$work/client.txt")
[ -n "$client_id" ] && [ -n "$client_secret" ] || die "tessera client add printed no client_id/client_secret"

"$tessera" --config "$config" serve >"$work/tessera.log" 2>&1 &
tessera_pid=$!
pids+=("$tessera_pid")
for i in $(seq 1 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && break
  kill -0 "$tessera_pid" 2>/dev/null || die "tessera serve exited: $(cat "$work/tessera.log")"
  sleep 0.1
done

# Sign in through the pages, as a browser does: the sign-in page, username, password, "Stay
# signed in?" Yes, and the page that 303 leads to.
jar="$work/tessera.cookies"
curl -sf -c "$jar" -b "$jar" -o "$work/page.html" "$base/signin"
curl -sf -c "$jar" -b "$jar" -o "$work/page.html" "$base/signin/username" \
  --data-urlencode "csrf=$(csrf_of "$work/page.html")" -d step=username --data-urlencode "username=$upn"
curl -sf -c "$jar" -b "$jar" -o "$work/page.html" "$base/signin/password" \
  --data-urlencode "csrf=$(csrf_of "$work/page.html")" -d step=password --data-urlencode "password=$password"
if grep -q 'action="/signin/stay"' "$work/page.html"; then
  curl -sf -L -c "$jar" -b "$jar" -o "$work/page.html" "$base/signin/stay" \
    --data-urlencode "csrf=$(csrf_of "$work/page.html")" -d step=stay_signed_in -d answer=yes
fi
session=$(awk '$6 == "tessera_session" {print $7}' "$jar")
[ -n "$session" ] || die "signing in to tessera gave no tessera_session cookie (last page: $(grep -o '<h1>[^<]*' "$work/page.html"))"

# ------------------------------------------------------------------ oidc-provider

NODE_ENV=production node "$here/oidc/server.mjs" "$redirect_uri" >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
pids+=("$node_pid")
node_line=$(first_line "$work/node.out" "$node_pid") || die "oidc-provider did not start: $(cat "$work/node.err")"
json_field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
issuer=$(json_field "$node_line" issuer)
node_client_id=$(json_field "$node_line" client_id)
node_client_secret=$(json_field "$node_line" client_secret)

# Sign in once through its development interactions (any login, consent once), following every
# redirect and posting each form, until it sends the browser to the app with a code. From then on
# its session cookie (_session, _session.sig on Path=/) and the grant make /auth answer at once.
node_jar="$work/node.cookies"
url="$issuer/auth?client_id=$node_client_id&redirect_uri=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$redirect_uri")&response_type=code&scope=openid%20profile%20email&state=sign-in&nonce=sign-in&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
form=()
signed_in=
for hop in $(seq 1 12); do
  curl -s -c "$node_jar" -b "$node_jar" -D "$work/headers" -o "$work/page.html" "${form[@]}" "$url"
  form=()
  location=$(awk 'tolower($1) == "location:" {print $2}' "$work/headers" | tr -d '\r')
  if [ -n "$location" ]; then
    case "$location" in
      "$redirect_uri"\?*) signed_in=yes; break ;;
      http*) url=$location ;;
      *) url="$issuer$location" ;;
    esac
  elif grep -q '<form' "$work/page.html"; then
    url=$(grep -o 'action="[^"]*"' "$work/page.html" | head -n 1 | sed 's/action="//; s/"$//')
    prompt=$(grep -o 'name="prompt" value="[^"]*"' "$work/page.html" | head -n 1 | sed 's/.*value="//; s/"$//')
    form=(--data-urlencode "prompt=$prompt")
    [ "$prompt" = login ] && form+=(--data-urlencode "login=$upn" --data-urlencode "password=$password")
  else
    die "signing in to oidc-provider stopped at $url: $(head -c 300 "$work/page.html")"
  fi
done
[ -n "$signed_in" ] || die "signing in to oidc-provider did not get back to the app"
node_cookies=$(awk -F'\t' '$3 == "/" && $6 ~ /^_session/ {printf "%s%s=%s", (n++ ? "; " : ""), $6, $7}' "$node_jar")
[ -n "$node_cookies" ] || die "signing in to oidc-provider gave no session cookie"

# ------------------------------------------------------------------ the hello server

"$hello" >"$work/hello.out" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
hello_line=$(first_line "$work/hello.out" "$hello_pid") || die "tessera_hello_server did not start"
hello_base="http://127.0.0.1:${hello_line##* }"

# ------------------------------------------------------------------ the runs

# Each comparison runs as four slices, baseline, tessera, tessera, baseline, so that both sides
# share whatever else the machine is doing at the time (a shared VM's speed drifts, and other
# work may run beside); each side's figures are those of its two slices together.
echo "OIDC and forward auth: tessera_http_load, $connections keep-alive connections on $threads thread(s);"
echo "each side 2 slices of $seconds s (after $warmup s of warm-up each), interleaved; $(nproc) cores"
slice() {
  local name=$1 index=$2
  local -n args="${name}_args"
  "$load" --connections "$connections" --threads "$threads" --seconds "$seconds" --warmup "$warmup" \
    --json "$out/oidc/$name.$index.json" --samples "$out/oidc/$name.$index.f32" \
    --label "$name ($index)" "${args[@]}" || die "$name: the measurement failed"
}
compare() {
  slice "$1" 1
  slice "$2" 1
  slice "$2" 2
  slice "$1" 2
}
basic() { printf 'Authorization: Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
form_type="Content-Type: application/x-www-form-urlencoded"
rm -f "$out"/oidc/*.json "$out"/oidc/*.f32

token_oidc_provider_args=(--url "$issuer" --server-pid "$node_pid" --method POST --path /token
  --header "$(basic "$node_client_id" "$node_client_secret")" --header "$form_type"
  --body grant_type=client_credentials --expect-body '"access_token"')
token_tessera_args=(--url "$base" --server-pid "$tessera_pid" --method POST --path /token
  --header "$(basic "$client_id" "$client_secret")" --header "$form_type"
  --body grant_type=client_credentials --expect-body '"access_token"')
compare token_oidc_provider token_tessera

code_flow_oidc_provider_args=(--url "$issuer" --server-pid "$node_pid" --code-flow
  --authorize-path /auth --token-path /token --client-id "$node_client_id"
  --client-secret "$node_client_secret" --redirect-uri "$redirect_uri" --cookie "$node_cookies")
code_flow_tessera_args=(--url "$base" --server-pid "$tessera_pid" --code-flow
  --authorize-path /authorize --token-path /token --client-id "$client_id"
  --client-secret "$client_secret" --redirect-uri "$redirect_uri" --cookie "tessera_session=$session")
compare code_flow_oidc_provider code_flow_tessera

# The same request bytes for both: the hello server ignores what it does not need.
verify_headers=(--header "Cookie: tessera_session=$session" --header "X-Original-URL: http://127.0.0.1/app"
  --header "X-Original-Method: GET")
hello_server_args=(--url "$hello_base" --server-pid "$hello_pid" --path /auth/verify "${verify_headers[@]}")
verify_tessera_args=(--url "$base" --server-pid "$tessera_pid" --path /auth/verify "${verify_headers[@]}")
compare hello_server verify_tessera

/usr/bin/python3 - "$out/oidc" "$out/oidc.json" <<'PY'
import array, json, sys
from pathlib import Path
folder = Path(sys.argv[1])

def merged(name):
    slices = [json.loads(p.read_text()) for p in sorted(folder.glob(f"{name}.*.json"))]
    samples = array.array("f")
    for p in sorted(folder.glob(f"{name}.*.f32")):
        samples.frombytes(p.read_bytes())
    latencies = sorted(samples)
    def pct(p):
        if not latencies: return 0.0
        i = int(p / 100 * (len(latencies) - 1) + 0.5)
        return latencies[min(i, len(latencies) - 1)] / 1e3
    seconds = sum(s["seconds"] for s in slices)
    return {
        "slices": len(slices), "seconds": seconds,
        "completed": sum(s["completed"] for s in slices),
        "failures": sum(s["failures"] for s in slices),
        "http_requests": sum(s["http_requests"] for s in slices),
        "per_second": sum(s["completed"] for s in slices) / seconds,
        "slice_per_second": [s["per_second"] for s in slices],
        "latency_ms": {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": pct(100)},
        "client_cores": sum(s["client_cores"] * s["seconds"] for s in slices) / seconds,
        "server_cores": sum(s["server_cores"] * s["seconds"] for s in slices) / seconds,
        "connections": slices[0]["connections"], "threads": slices[0]["threads"],
    }

names = ["token_oidc_provider", "token_tessera", "code_flow_oidc_provider", "code_flow_tessera",
         "hello_server", "verify_tessera"]
runs = {n: merged(n) for n in names}
print("\neach side, its two slices together:")
for n in names:
    r = runs[n]
    unit = "round trips/s" if n.startswith("code_flow") else "requests/s"
    l = r["latency_ms"]
    print(f"  {n:26s} {r['per_second']:9.1f} {unit:13s} p50 {l['p50']:6.2f} ms  p99 {l['p99']:6.2f} ms"
          f"  max {l['max']:7.2f} ms  client {r['client_cores']:.2f} cores  server "
          f"{r['server_cores']:.2f} cores  ({r['failures']} failures)")

def rate(n): return runs[n]["per_second"]
def per_core(n):
    r = runs[n]
    return r["per_second"] / r["server_cores"] if r["server_cores"] > 0 else float("nan")
def met(ok): return "met" if ok else "NOT met"
summary = {}
print()
for key, what, unit in (("token", "token endpoint, client_credentials", "requests/s"),
                        ("code_flow", "code flow (GET /authorize + POST /token)", "round trips/s")):
    t, b = f"{key}_tessera", f"{key}_oidc_provider"
    ratio = rate(t) / rate(b)
    core_ratio = per_core(t) / per_core(b)
    summary[key] = {"tessera_per_second": rate(t), "oidc_provider_per_second": rate(b),
                    "ratio": ratio, "ratio_per_server_core": core_ratio, "target": 10,
                    "met": ratio >= 10}
    print(f"{what}: tessera {rate(t):.0f} {unit} vs oidc-provider {rate(b):.0f} = {ratio:.2f}x "
          f"(target >= 10x: {met(ratio >= 10)}); per server core {per_core(t):.0f} vs "
          f"{per_core(b):.0f} = {core_ratio:.2f}x")
share = rate("verify_tessera") / rate("hello_server")
p99 = runs["verify_tessera"]["latency_ms"]["p99"]
summary["verify"] = {"tessera_per_second": rate("verify_tessera"),
                     "hello_per_second": rate("hello_server"), "share": share,
                     "p99_ms": p99, "met": share >= 0.5 and p99 < 2}
print(f"/auth/verify: tessera {rate('verify_tessera'):.0f} requests/s = {share*100:.1f} % of the "
      f"hello server's {rate('hello_server'):.0f} (target >= 50 %: {met(share >= 0.5)}); "
      f"p99 {p99:.2f} ms (target < 2 ms: {met(p99 < 2)})")
summary["runs"] = runs
Path(sys.argv[2]).write_text(json.dumps(summary, indent=2) + "\n")
PY
