#!/usr/bin/env bash
# ctest backup_pitr: PostgreSQL point-in-time recovery with the PostgreSQL tools, as
# docs/operations.md describes it: WAL archiving (archive_command), a base backup with
# pg_basebackup, and recovery to a chosen time (restore_command, recovery_target_time). mamori's
# database is recovered to the moment between two batches of writes: what was committed before
# is there, what came after is not, and the operation-log chain of the recovered database
# verifies (the witness, which saw the later entries, reports the cut, as it must).
# Runs PostgreSQL as the postgres user when started as root (like scripts/pg-test-server.sh).
# usage: pitr_test.sh MAMORI_BINARY BASEPORT   (uses BASEPORT and BASEPORT+1)
set -euo pipefail
mamori=$1 port=$2 port2=$(( $2 + 1 ))
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
work=$(mktemp -d /tmp/mamori-pitr-XXXXXX)
chmod 755 "$work"
mkdir -p "$work/archive" "$work/base" "$work/primary" "$work/recovered" "$work/pg"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$work/archive" "$work/base" "$work/primary" "$work/recovered" "$work/pg"; fi
chmod 700 "$work/primary" "$work/recovered"
cleanup() {
  as_pg "$bin/pg_ctl" -D "$work/primary" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$bin/pg_ctl" -D "$work/recovered" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
psql_at() { psql -X -A -t -q "postgresql://mamori@127.0.0.1:$1/mamori" -c "$2"; }

echo "== primary with WAL archiving on port $port"
as_pg "$bin/initdb" -D "$work/primary" -U mamori --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$work/primary/postgresql.conf" <<CONF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $work/archive/%f && cp %p $work/archive/%f'
archive_timeout = 60
CONF
as_pg "$bin/pg_ctl" -D "$work/primary" -l "$work/pg/primary.log" -w -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U mamori mamori
url="postgresql://mamori@127.0.0.1:$port/mamori"

echo "== base backup, then mamori writes before and after the recovery target"
as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$port" -U mamori -D "$work/base" -X stream -c fast
umask 077
printf 'Init#Temp-7Qz9wXk\n' | "$mamori" init --data "$work/data" --admin admin --db "$url" >/dev/null
psql_at "$port" "CREATE TABLE pitr_marker (what TEXT); INSERT INTO pitr_marker VALUES ('before')"
head_before=$(psql_at "$port" "SELECT seq FROM log_head")
sleep 1
target=$(psql_at "$port" "SELECT now()")
sleep 1
psql_at "$port" "INSERT INTO pitr_marker VALUES ('after')"
"$mamori" demo --data "$work/data" >/dev/null   # many more log entries after the target
head_after=$(psql_at "$port" "SELECT seq FROM log_head")
[ "$head_after" -gt "$head_before" ] || { echo "FAIL: no writes after the target"; exit 1; }
# The segment holding the writes after the target is closed and must reach the archive.
seg=$(psql_at "$port" "SELECT pg_walfile_name(pg_switch_wal())")
last=
for _ in $(seq 1 150); do
  last=$(psql_at "$port" "SELECT last_archived_wal FROM pg_stat_archiver")
  [ -n "$last" ] && [[ ! "${last:0:24}" < "$seg" ]] && break
  sleep 0.2
done
[[ ! "${last:0:24}" < "$seg" ]] || { echo "FAIL: segment $seg not archived (last $last)"; exit 1; }
echo "archived WAL up to $last; target $target (log head $head_before), head now $head_after"

echo "== recover the base backup to the target time on port $port2"
as_pg cp -a "$work/base/." "$work/recovered/"
chmod 700 "$work/recovered"
cat >> "$work/recovered/postgresql.conf" <<CONF
restore_command = 'cp $work/archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
archive_mode = off
CONF
as_pg touch "$work/recovered/recovery.signal"
as_pg "$bin/pg_ctl" -D "$work/recovered" -l "$work/pg/recovered.log" -w -o "-p $port2 -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
for _ in $(seq 1 150); do
  [ "$(psql_at "$port2" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break
  sleep 0.2
done
[ "$(psql_at "$port2" "SELECT pg_is_in_recovery()")" = f ] || { tail "$work/pg/recovered.log"; echo "FAIL: recovery did not finish"; exit 1; }

markers=$(psql_at "$port2" "SELECT string_agg(what, ',') FROM pitr_marker")
head_rec=$(psql_at "$port2" "SELECT seq FROM log_head")
echo "recovered: markers=$markers log head=$head_rec"
[ "$markers" = before ] || { echo "FAIL: expected only the write before the target, got '$markers'"; exit 1; }
[ "$head_rec" = "$head_before" ] || { echo "FAIL: log head $head_rec, expected $head_before"; exit 1; }

rec_url="postgresql://mamori@127.0.0.1:$port2/mamori"
mkdir -p "$work/nowitness"
"$mamori" log verify --data "$work/data" --db "$rec_url" --witness "$work/nowitness" 2>/dev/null | tee "$work/verify.txt"
grep -q "^ok: $head_before entries" "$work/verify.txt" || { echo "FAIL: the recovered log chain does not verify"; exit 1; }
if "$mamori" log verify --data "$work/data" --db "$rec_url" >/dev/null 2>&1; then
  echo "FAIL: the witness did not report the entries cut off by recovering to an earlier time"; exit 1
fi
echo "PASS: point-in-time recovery to $target: writes before kept, after gone, log chain of $head_before entries verifies"
