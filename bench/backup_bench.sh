#!/usr/bin/env bash
# The backup figures of issue 8: backup MB/s against `cp` of the same database file in the same
# run, and backup / restore time and size for N assets + N operation-log entries (default 1M each).
# The generator (mamori_backup_gen) writes a valid signed chain, so the restore's log check runs
# over every entry. With --pg URL (a PostgreSQL database this script may fill and an EMPTY second
# one, URL2) the same on PostgreSQL, against `cp` of the pg_dump file.
#
# usage: bench/backup_bench.sh [--assets N] [--log N] [--pg URL EMPTY_URL2 [--pg-assets N]] [--build DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MAMORI_BUILD_DIR:-$root/build}"
assets=1000000 log= pg= pg2= pg_assets=
while [ $# -gt 0 ]; do
  case "$1" in
    --assets) assets=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --pg) pg=$2; pg2=$3; shift 3 ;;
    --pg-assets) pg_assets=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
log=${log:-$assets}
if [ ! -x "$build/bench/mamori_backup_gen" ] || [ ! -x "$build/mamori" ]; then
  nice -n 10 cmake -S "$root" -B "$build" -G Ninja -DMAMORI_BUILD_BENCH=ON >/dev/null
  nice -n 10 cmake --build "$build" --target mamori mamori_backup_gen >/dev/null
fi
mamori=$build/mamori gen=$build/bench/mamori_backup_gen
work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-backup-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
mib() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1048576 }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / 1048576 / (b - a) }'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }

run() {  # engine, db URL for init ("" = SQLite), empty target URL for restore
  local engine=$1 url=$2 target=$3 data=$work/$1
  local -a dbarg=()
  [ -n "$url" ] && dbarg=(--db "$url")
  printf 'Init#Temp-7Qz9wXk\n' | "$mamori" init --data "$data" --admin admin "${dbarg[@]}" >/dev/null
  local t0 t1
  t0=$(now); "$gen" --data "$data" --assets "$assets" --log "$log" >/dev/null; t1=$(now)
  echo "[$engine] generated $assets assets + $log log entries in $(secs "$t0" "$t1") s"
  local src
  if [ "$engine" = sqlite ]; then
    src=$data/mamori.db
  else
    src=$work/plain.dump
    local major; major=$(psql -X -A -t "$url" -c "SHOW server_version_num" | cut -c1-2)
    t0=$(now); "/usr/lib/postgresql/$major/bin/pg_dump" -Fc --no-owner --no-privileges -f "$src" -d "$url"; t1=$(now)
    echo "[$engine] plain pg_dump -Fc (no encryption): $(secs "$t0" "$t1") s"
  fi
  local size; size=$(stat -c %s "$src")
  # Nothing of the fill still being written back, so every copy below starts alike.
  sync "$src"; sleep 2
  t0=$(now); cp "$src" "$work/cp.copy"; t1=$(now)
  local cp_s; cp_s=$(secs "$t0" "$t1"); local cp_rate; cp_rate=$(rate "$size" "$t0" "$t1")
  rm -f "$work/cp.copy"; sync; sleep 2
  # The same copy made durable (a backup is only one once it is on disk; mamori backup fsyncs).
  t0=$(now); cp "$src" "$work/cp.copy"; sync "$work/cp.copy"; t1=$(now)
  local cps_s; cps_s=$(secs "$t0" "$t1"); local cps_rate; cps_rate=$(rate "$size" "$t0" "$t1")
  rm -f "$work/cp.copy"; sync; sleep 2
  t0=$(now); "$mamori" backup --data "$data" --to "$work/$engine.mbk" --key "$work/backup.key" \
    $([ -f "$work/backup.key" ] || echo --new-key) >/dev/null; t1=$(now)
  local b_s; b_s=$(secs "$t0" "$t1"); local b_rate; b_rate=$(rate "$size" "$t0" "$t1")
  local bsize; bsize=$(stat -c %s "$work/$engine.mbk")
  local -a tgt=()
  [ -n "$target" ] && tgt=(--db "$target")
  t0=$(now); "$mamori" restore --from "$work/$engine.mbk" --data "$work/restored-$engine" --key "$work/backup.key" "${tgt[@]}" >"$work/restore.out"; t1=$(now)
  local r_s; r_s=$(secs "$t0" "$t1")
  local verified; verified=$(grep -o 'verified: [0-9]* entries' "$work/restore.out" || true)
  echo "[$engine] database $(mib "$size") MiB; cp ${cp_s} s (${cp_rate} MiB/s), cp+fsync ${cps_s} s (${cps_rate} MiB/s); mamori backup ${b_s} s (${b_rate} MiB/s of database: $(ratio "$b_rate" "$cp_rate")x cp, $(ratio "$b_rate" "$cps_rate")x cp+fsync); backup file $(mib "$bsize") MiB"
  echo "[$engine] mamori restore ${r_s} s (log ${verified})"
  printf '| %s | %s + %s | %s MiB | %s s (%s MiB/s) | %s s (%s MiB/s) | %s s (%s MiB/s; %sx cp, %sx cp+fsync) | %s MiB | %s s |\n' "$engine" "$assets" "$log" \
    "$(mib "$size")" "$cp_s" "$cp_rate" "$cps_s" "$cps_rate" "$b_s" "$b_rate" "$(ratio "$b_rate" "$cp_rate")" \
    "$(ratio "$b_rate" "$cps_rate")" "$(mib "$bsize")" "$r_s" >> "$work/table"
}

run sqlite "" ""
if [ -n "$pg" ]; then
  # PostgreSQL fills at a few thousand entries a second (a round trip each): --pg-assets N runs it
  # at a smaller size.
  [ -n "$pg_assets" ] && { assets=$pg_assets; log=$pg_assets; }
  run postgres "$pg" "$pg2"
fi
echo
echo "| engine | assets + log entries | database | cp of it | cp + fsync | mamori backup | backup file | mamori restore (incl. log check) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
cat "$work/table"
echo "(machine: $(nproc) cores, $(uname -r); cp and backup read the database from the page cache alike; for PostgreSQL the file is a plain pg_dump -Fc)"
