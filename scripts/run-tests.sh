#!/usr/bin/env bash
# Runs every test binary of a build, then prints one summary. Exit status 0 only if all passed.
# Usage: scripts/run-tests.sh BUILD_DIR
set -uo pipefail

build_dir=${1:-build}
results_dir="$build_dir/test-results"
rm -rf "$results_dir"
mkdir -p "$results_dir"

# Order: fast unit suites first, then the store suite (starts PostgreSQL), HTTP and CLI. Every suite
# is required: a missing binary counts as a failure, never as a silent skip.
suites=(tessera_base_tests tessera_crypto_tests tessera_domain_tests tessera_methods_tests
        tessera_notify_tests tessera_service_tests tessera_oidc_tests
        tessera_app_tests tessera_store_tests tessera_http_tests tessera_cli_tests
        tessera_system_tests)

total_passed=0
total_failed=0
failed_suites=()
summary_lines=()
start_all=$(date +%s)

for suite in "${suites[@]}"; do
  xml="$results_dir/$suite.xml"
  log="$results_dir/$suite.log"
  start=$(date +%s)
  echo "=== $suite"
  if [ ! -x "$build_dir/tests/$suite" ]; then
    echo "missing test binary $build_dir/tests/$suite"
    total_failed=$(( total_failed + 1 ))
    failed_suites+=("$suite")
    summary_lines+=("$(printf '%-24s missing' "$suite")")
    continue
  fi
  timeout 900 "$build_dir/tests/$suite" --gtest_output="xml:$xml" --gtest_color=no >"$log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))
  tests=0; failures=0; errors=0; disabled=0
  if [ -f "$xml" ]; then
    read -r tests failures errors disabled < <(sed -n 's/.*<testsuites tests="\([0-9]*\)" failures="\([0-9]*\)" disabled="\([0-9]*\)" errors="\([0-9]*\)".*/\1 \2 \4 \3/p' "$xml" | head -n 1)
  fi
  tests=${tests:-0}; failures=${failures:-0}; errors=${errors:-0}; disabled=${disabled:-0}
  passed=$(( tests - failures - errors - disabled ))
  failed=$(( failures + errors ))
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # crashed, timed out or failed outside a test
  fi
  total_passed=$(( total_passed + passed ))
  total_failed=$(( total_failed + failed ))
  summary_lines+=("$(printf '%-24s %5d passed %3d failed %4ss' "$suite" "$passed" "$failed" "$seconds")")
  if [ "$failed" -ne 0 ]; then
    failed_suites+=("$suite")
    grep -E '^\[  FAILED  \]|Failure|error:' "$log" | head -n 40
    echo "(full log: $log)"
  else
    tail -n 1 "$log"
  fi
done

# The browser end-to-end suite (Playwright + Debian chromium, node:test), after the C++ suites.
echo "=== e2e (browser)"
e2e_dir="$results_dir/e2e"
start=$(date +%s)
timeout 1200 bash tests/e2e/run.sh "$e2e_dir" "$build_dir" >"$results_dir/e2e.log" 2>&1
status=$?
seconds=$(( $(date +%s) - start ))
tests=0; failures=0; skipped=0
if [ -f "$e2e_dir/e2e.xml" ]; then
  tests=$(grep -c '<testcase' "$e2e_dir/e2e.xml" || true)
  failures=$(grep -c '<failure' "$e2e_dir/e2e.xml" || true)
  skipped=$(grep -c '<skipped' "$e2e_dir/e2e.xml" || true)
fi
passed=$(( tests - failures - skipped ))
failed=$(( failures + skipped ))  # a skipped browser test is not a pass
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
total_passed=$(( total_passed + passed ))
total_failed=$(( total_failed + failed ))
summary_lines+=("$(printf '%-24s %5d passed %3d failed %4ss' "e2e (browser)" "$passed" "$failed" "$seconds")")
if [ "$failed" -ne 0 ]; then
  failed_suites+=("e2e")
  grep -E 'not ok|Error|expected|actual' "$results_dir/e2e.log" | head -n 60
  echo "(full log: $results_dir/e2e.log; screenshots: $e2e_dir/screenshots)"
else
  echo "$passed browser tests passed (screenshots: $e2e_dir/screenshots)"
fi

echo
echo "=== Summary ($(( $(date +%s) - start_all ))s)"
printf '%s\n' "${summary_lines[@]}"
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failed suites: ${failed_suites[*]}"
fi
echo "Summary: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
