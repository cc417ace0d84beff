#!/usr/bin/env bash
# The monthly restore drill (docs/operations.md, "バックアップと復元"): restores the newest backup
# into a scratch directory, verifies the operation log, starts mamori on it and waits for
# /readyz, then stops it and removes the scratch copy. Exit 0 only when every step passed; the
# last line is a one-line verdict for the operator's record (kobe:8.1.3 / procurement 5(3)).
#
# usage: scripts/restore-drill.sh (--backups DIR | --from FILE) --key KEYFILE
#                                 [--db POSTGRES_URL_OF_AN_EMPTY_SCRATCH_DB] [--key-id FINGERPRINT]
#                                 [--master-key FILE] [--port PORT] [--mamori BINARY] [--keep]
#   --backups DIR   the newest mamori-*.mbk in DIR (the serve's backup_dir)
#   --db URL        PostgreSQL backups only: an EMPTY scratch database (never production's)
#   --key-id FP     pin the operation-log key (as printed by `mamori init`)
#   --master-key F  the master key file the sealed data is wrapped by (docs/sealing.md); never in
#                   a backup, so a drill that serves the copy needs it (not with kms_command)
#   --keep          leave the scratch directory for inspection
set -euo pipefail

backups= from= key= db= key_id= master_key= port=18443 keep=0
mamori=${MAMORI:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --backups) backups=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --key-id) key_id=$2; shift 2 ;;
    --master-key) master_key=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --mamori) mamori=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "restore-drill: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$mamori" ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ -x "$here/build/mamori" ]; then mamori=$here/build/mamori; else mamori=$(command -v mamori); fi
fi
[ -n "$key" ] || { echo "restore-drill: --key KEYFILE is required" >&2; exit 2; }
if [ -z "$from" ]; then
  [ -n "$backups" ] || { echo "restore-drill: give --backups DIR or --from FILE" >&2; exit 2; }
  from=$(ls -1 "$backups"/mamori-*.mbk 2>/dev/null | sort | tail -n 1 || true)
  [ -n "$from" ] || { echo "restore-drill: FAILED: no backup (mamori-*.mbk) in $backups" >&2; exit 1; }
fi

started=$(date +%s)
umask 077
scratch=$(mktemp -d /tmp/mamori-drill-XXXXXX)
server=
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  if [ "$keep" = 1 ]; then echo "scratch copy kept in $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
fail() { echo "restore-drill: FAILED at $1 ($from)"; exit 1; }

age_h=$(( ($(date +%s) - $(stat -c %Y "$from")) / 3600 ))
echo "== backup: $from ($(du -h "$from" | cut -f1), ${age_h} h old)"

echo "== 1. restore into $scratch/data"
args=(restore --from "$from" --data "$scratch/data" --key "$key")
[ -n "$db" ] && args+=(--db "$db")
[ -n "$key_id" ] && args+=(--log-key-id "$key_id")
[ -n "$master_key" ] && args+=(--master-key "$master_key")
"$mamori" "${args[@]}" || fail "restore"

echo "== 2. verify the operation log"
vargs=(log verify --data "$scratch/data")
[ -n "$key_id" ] && vargs+=(--key-id "$key_id")
"$mamori" "${vargs[@]}" || fail "log verify"

echo "== 3. serve on 127.0.0.1:$port and wait for /readyz"
"$mamori" serve --data "$scratch/data" --listen "127.0.0.1:$port" >"$scratch/serve.log" 2>&1 &
server=$!
ready=
for _ in $(seq 1 150); do
  if ! kill -0 "$server" 2>/dev/null; then cat "$scratch/serve.log"; fail "serve (exited)"; fi
  code=$(curl -sk -o "$scratch/readyz.json" -w '%{http_code}' "https://127.0.0.1:$port/readyz" || true)
  if [ "$code" = 200 ]; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { cat "$scratch/serve.log"; fail "/readyz (last answer $code)"; }
echo "/readyz: $(cat "$scratch/readyz.json")"

echo "== 4. stop"
kill -TERM "$server"; wait "$server" || true; server=
echo "restore-drill: OK: $(basename "$from") restored, log verified, served and ready in $(( $(date +%s) - started )) s"
