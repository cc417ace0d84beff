#!/usr/bin/env bash
# Builds the expression-language fuzzer with clang and runs it.
# Usage: fuzz/run.sh [seconds (default 60)] [extra libFuzzer flags, e.g. -jobs=2]
# New inputs go to build-fuzz/fuzz/corpus/expr (the seeds in fuzz/corpus/expr stay untouched);
# a crash is saved under build-fuzz/fuzz/artifacts/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
[[ $# -gt 0 ]] && shift
build="${MAMORI_FUZZ_BUILD_DIR:-build-fuzz}"

if grep -q 'MAMORI_FUZZ' CMakeLists.txt; then
  CXX=clang++ cmake -S . -B "$build" -G Ninja -DMAMORI_FUZZ=ON -DMAMORI_BUILD_TESTS=OFF
else
  # The top level does not include fuzz/ yet: configure the fuzz directory by itself.
  CXX=clang++ cmake -S fuzz -B "$build" -G Ninja
fi
nice cmake --build "$build" --target expr_fuzz

work="$build/fuzz/corpus/expr"
artifacts="$build/fuzz/artifacts"
mkdir -p "$work" "$artifacts"
# -max_len above the 4096-byte limit so the fuzzer also exercises the refusal of long text.
exec nice "$build/fuzz/expr_fuzz" -max_total_time="$seconds" -max_len=5000 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" \
  "$work" fuzz/corpus/expr
