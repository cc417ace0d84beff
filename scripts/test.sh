#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything with tests, starts
# a private PostgreSQL, and runs every test (unit, storage on both engines, API integration
# against the real server, browser) through ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh --test
# In CI a compiler warning is an error (the build is kept warning-free).
werror=OFF
[ "${CI:-}" = true ] && werror=ON
scripts/build.sh -DMAMORI_BUILD_TESTS=ON -DMAMORI_WERROR=$werror
if [ -f tests/e2e/package.json ]; then
  # Again when package-lock.json changed since (axe-core joined playwright-core).
  (cd tests/e2e && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; })
fi
pgdir=$(mktemp -d /tmp/mamori-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
export MAMORI_TEST_PG_URL=$(scripts/pg-test-server.sh start "$pgdir" "$port")
trap '"$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
echo "PostgreSQL for tests: $MAMORI_TEST_PG_URL"
cd "$root/build"
status=0
ctest --output-on-failure -j "$(nproc)" --timeout 900 || status=$?
"$root/scripts/pg-test-server.sh" stop "$pgdir"
exit $status
