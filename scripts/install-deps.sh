#!/usr/bin/env bash
# Installs every Debian package mamori needs to build, run and test (john-data is the
# breached-password list the server loads at start: /usr/share/john/password.lst), skipping the apt step
# when everything is already present. Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libssl-dev libsqlite3-dev libpq-dev libsodium-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libpwquality-dev cracklib-runtime
  john-data
  libqrencode-dev libxlsxwriter-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libcsv-dev
)
if [ "${1:-}" = "--test" ]; then
  # The test command also runs PostgreSQL, Chromium for the browser tests, and the bench tools.
  # fonts-noto-cjk: Japanese text in the browser tests' screenshots (boxes without it).
  packages+=(postgresql chromium fonts-noto-cjk)
  # package (issue 8, part 3): the package test builds the .deb (dpkg-dev's dpkg-shlibdeps),
  # installs it into a scratch root and starts it (curl; systemd-analyze and systemd-sysusers),
  # and checks it with lintian.
  packages+=(dpkg-dev curl systemd lintian)
  # ha (issue 8 part 2): the failover drill runs pg_auto_failover (monitor + two nodes) and
  # HAProxy from Debian (tests/ha/, scripts/ha-cluster.sh, deploy/haproxy/).
  packages+=(postgresql-15-auto-failover pg-auto-failover-cli haproxy)
  # notify (issue 9): the notification tests mail through a real local SMTP server
  # (tests/integration/smtp_sink.py runs /usr/bin/python3 with aiosmtpd).
  packages+=(python3-aiosmtpd)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm build the web front end; Debian's are used only when none is installed.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
