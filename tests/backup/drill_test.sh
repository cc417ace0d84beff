#!/usr/bin/env bash
# ctest backup_drill: the operator's monthly drill (scripts/restore-drill.sh) run end to end on a
# fresh SQLite data directory: init, a backup into a backup directory, then the drill restores
# the newest backup, verifies the log, serves it and waits for /readyz.
# usage: drill_test.sh MAMORI_BINARY SOURCE_DIR PORT
set -euo pipefail
mamori=$1 src=$2 port=$3
work=$(mktemp -d /tmp/mamori-drilltest-XXXXXX)
trap 'rm -rf "$work"' EXIT
umask 077
printf 'Init#Temp-7Qz9wXk\n' | "$mamori" init --data "$work/data" --admin admin >/dev/null
mkdir "$work/backups"
"$mamori" backup --data "$work/data" --to "$work/backups/mamori-20260101T000000Z.mbk" --key "$work/backup.key" --new-key
sleep 1
"$mamori" backup --data "$work/data" --to "$work/backups/mamori-20260102T000000Z.mbk" --key "$work/backup.key"
# The master key is never in a backup: a drill that serves the copy is given it; another key is
# refused by the restore itself, naming the master key.
master=$work/data/keys/master.key
[ -f "$master" ] || { echo "FAIL: init made no master key at $master"; exit 1; }
if out=$("$src/scripts/restore-drill.sh" --backups "$work/backups" --key "$work/backup.key" --master-key "$work/backup.key" \
         --port "$port" --mamori "$mamori" 2>&1); then
  echo "$out"; echo "FAIL: the drill passed with a wrong master key"; exit 1
fi
echo "$out" | grep -q "マスター鍵" || { echo "$out"; echo "FAIL: no clear message for the wrong master key"; exit 1; }
out=$("$src/scripts/restore-drill.sh" --backups "$work/backups" --key "$work/backup.key" --master-key "$master" \
      --port "$port" --mamori "$mamori" 2>&1)
echo "$out"
echo "$out" | tail -n 1 | grep -q "restore-drill: OK: mamori-20260102T000000Z.mbk" || { echo "FAIL: the drill did not pass on the newest backup"; exit 1; }
# A drill on a damaged backup must fail, and say where.
head -c 2000 "$work/backups/mamori-20260102T000000Z.mbk" > "$work/backups/mamori-20260103T000000Z.mbk"
if out=$("$src/scripts/restore-drill.sh" --backups "$work/backups" --key "$work/backup.key" --master-key "$master" \
         --port "$port" --mamori "$mamori" 2>&1); then
  echo "$out"; echo "FAIL: the drill passed on a truncated backup"; exit 1
fi
echo "$out" | grep -q "途中で切れています" || { echo "$out"; echo "FAIL: no clear message for the truncated backup"; exit 1; }
echo "$out" | tail -n 1 | grep -q "FAILED at restore" || { echo "$out"; echo "FAIL: verdict line"; exit 1; }
echo "PASS: drill on the newest backup with its master key; refusal of a wrong master key and of a truncated backup"
