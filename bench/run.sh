#!/usr/bin/env bash
# Builds the server and the benchmark into build/ (Ninja, MAMORI_BUILD_BENCH=ON) and runs the
# benchmark, which prints mamori's figures beside this machine's own limits measured in the same
# run. Extra arguments go to mamori_bench (bench/run.sh --help lists them; --quick for a smoke run).
# Always exits with the benchmark's status, which is 0 unless the build fails: benchmarks inform,
# they never gate.
#
#   MAMORI_BUILD_DIR=/tmp/b bench/run.sh   builds elsewhere (default: build/ of the source tree)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MAMORI_BUILD_DIR:-$root/build}"

# The load generators and the reference server. Installed when we may, named when we may not.
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
dpkg -s libbenchmark-dev >/dev/null 2>&1 || missing+=(libbenchmark-dev)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y "${missing[@]}"
  else
    echo "bench/run.sh: missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}'" >&2
    echo "  (without wrk/nginx the HTTP figures are skipped)" >&2
    if [[ " ${missing[*]} " == *" libbenchmark-dev "* ]]; then exit 1; fi
  fi
fi

# The machine is shared: compile at low priority so other work is not starved.
nice -n 10 cmake -S "$root" -B "$build" -G Ninja -DMAMORI_BUILD_BENCH=ON >/dev/null
nice -n 10 cmake --build "$build" --target mamori mamori_bench

exec "$build/bench/mamori_bench" --mamori "$build/mamori" --source "$root" "$@"
