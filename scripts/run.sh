#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, creates the demo city on
# SQLite (first run only) and serves it at https://localhost:8443.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
data=${MAMORI_DATA:-data/demo}
if [ ! -f "$data/mamori.yaml" ]; then
  mkdir -p "$data"
  umask 077
  build/mamori demo --data "$data" | tee "$data/demo-logins.txt"
else
  echo "demo city in $data (logins as first created; temporary passwords change at first login):"
  cat "$data/demo-logins.txt" 2>/dev/null || true
fi
exec build/mamori serve --data "$data" --listen "${MAMORI_LISTEN:-127.0.0.1:8443}"
