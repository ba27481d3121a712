#!/usr/bin/env bash
# Builds the fuzz harnesses with clang and runs each for SECONDS (default 60) on the seed
# corpus; new inputs go to build/fuzz/corpus/<harness>, crashes to build/fuzz/findings.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
build=build/fuzz
command -v clang++ >/dev/null || { echo "the fuzz harnesses need clang (apt-get install clang)" >&2; exit 2; }
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSAPWOOD_BUILD_FUZZERS=ON -DSAPWOOD_SANITIZE=address,undefined \
  -DSAPWOOD_BUILD_TESTS=OFF -DSAPWOOD_BUILD_SHARED=OFF -DSAPWOOD_INSTALL=OFF >/dev/null
cmake --build "$build" --parallel
seeds=tests/fuzz/corpus
all_seeds=("$seeds/native" "$seeds/xgboost_json" "$seeds/xgboost_ubjson" "$seeds/lightgbm" tests/fuzz/regressions)
declare -A corpus=(
  [native]="$seeds/native" [xgboost_json]="$seeds/xgboost_json" [xgboost_ubjson]="$seeds/xgboost_ubjson"
  [lightgbm]="$seeds/lightgbm" [load]="${all_seeds[*]}" [c_api]="${all_seeds[*]}"
)
mkdir -p "$build/findings"
for harness in load native xgboost_json xgboost_ubjson lightgbm c_api; do
  mkdir -p "$build/corpus/$harness"
  echo "== fuzz_$harness for ${seconds}s"
  # shellcheck disable=SC2086  # several seed directories
  "$build/tests/fuzz/fuzz_$harness" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 \
    -artifact_prefix="$build/findings/$harness-" -print_final_stats=1 \
    "$build/corpus/$harness" ${corpus[$harness]} 2>&1 | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" || true
  if ls "$build/findings/$harness-"* >/dev/null 2>&1; then
    echo "fuzz_$harness found a crash: $(ls "$build/findings/$harness-"*)" >&2
    exit 1
  fi
done
