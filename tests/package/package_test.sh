#!/usr/bin/env bash
# The Debian package, installed into a scratch root and started once the way its systemd unit
# starts it: cpack builds the .deb; dpkg installs it under a scratch root with its maintainer
# scripts (--force-script-chrootless, DPKG_ROOT); then the unit's ExecStart, with the scratch
# prefix, runs as the dedicated user postinst created: init, serve, /readyz, the web app, a
# sign-in, SIGTERM, `log verify`; and removal keeps the data.
#
#   tests/package/package_test.sh BUILD_DIR SOURCE_DIR PORT [CPACK]
#
# Needs root (the user, chown, setpriv), dpkg, curl and systemd's tools; exits 77 (skipped)
# otherwise. Nothing outside a fresh /tmp/mamori-package.* directory is written.
set -euo pipefail

build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
port=$3
cpack=${4:-cpack}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; [ -f "${work:-/nonexistent}/serve.log" ] && sed 's/^/  serve: /' "$work/serve.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root: a dedicated user, chown and setpriv"
for tool in dpkg dpkg-deb dpkg-shlibdeps "$cpack" setpriv unshare curl systemd-analyze systemd-sysusers; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare --mount --propagation private true 2>/dev/null || skip "no private mount namespace here (unshare --mount)"
[ -f "$source_dir/web/dist/index.html" ] || skip "web/dist is not built (scripts/build.sh)"

work=$(mktemp -d /tmp/mamori-package.XXXXXX)
chmod 0755 "$work"  # the service user must reach the scratch root below it
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    sleep 2
    kill -KILL "$server" 2>/dev/null || true
  fi
  [ -n "${MAMORI_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# --- the package -------------------------------------------------------------------------
(cd "$build" && "$cpack" -G DEB -B "$work/pkg") >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/pkg/mamori_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for d in libc6 libssl3 libsqlite3-0 libpq5 libsodium23 libyaml-cpp0.7 systemd john-data; do
  grep -q "\b$d\b" <<<"$depends" || fail "Depends lacks $d: $depends"
done
ok "Depends: $depends"
control=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for s in postinst prerm postrm conffiles; do grep -qx "./$s" <<<"$control" || fail "no $s"; done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/mamori/mamori.yaml ] || fail "conffiles"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/mamori ./usr/share/mamori/web/index.html ./usr/share/mamori/policy/kobe.yaml \
         ./etc/mamori/mamori.yaml ./usr/lib/sysusers.d/mamori.conf ./usr/lib/systemd/system/mamori.service \
         ./usr/share/doc/mamori/install.md ./usr/share/doc/mamori/config.example.yaml \
         ./usr/share/doc/mamori/copyright ./usr/share/doc/mamori/changelog.gz ./usr/share/man/man1/mamori.1.gz; do
  grep -qx "$f" <<<"$files" || fail "the package lacks $f"
done
ok "files: binary, web app, pack, unit, sysusers, /etc/mamori/mamori.yaml (conffile), docs, man page"
# Debian's own checks, where lintian is installed: no error and no warning.
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 \
    || { cat "$work/lintian.log"; fail "lintian"; }
  ok "lintian: no errors, no warnings"
fi

# --- install into a scratch root ---------------------------------------------------------
root=$work/root
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# The host's users and groups, so the new system user takes an id nobody on this host has.
cp /etc/passwd /etc/group "$root/etc/"
dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log"; fail "dpkg -i"; }
ok "dpkg --root installed it; postinst ran"

entry=$(grep '^mamori:' "$root/etc/passwd") || fail "postinst created no user mamori"
uid=$(cut -d: -f3 <<<"$entry")
gid=$(awk -F: '$1 == "mamori" { print $3 }' "$root/etc/group")
[ "$uid" -lt 1000 ] || fail "mamori is not a system user (uid $uid)"
[ "$(cut -d: -f7 <<<"$entry")" = /usr/sbin/nologin ] || fail "mamori has a login shell: $entry"
! getent passwd "$uid" >/dev/null || fail "uid $uid is taken on this host"
for d in var/lib/mamori var/lib/mamori-witness; do
  [ "$(stat -c '%u %a' "$root/$d")" = "$uid 700" ] || fail "$d is $(stat -c '%u %a' "$root/$d"), not $uid 700"
done
[ "$(stat -c "%u:%g %a" "$root/etc/mamori/mamori.yaml")" = "0:$gid 640" ] || fail "mamori.yaml owner/mode"
ok "user mamori ($uid, nologin); data and witness dirs 0700 its own; config root:mamori 0640"

bin=$root/usr/bin/mamori
for p in "$source_dir" "$build"; do
  ! grep -qaF "$p" "$bin" || fail "the installed binary names $p"
done
version=$("$bin" --version)
grep -Eq '^mamori [0-9]+\.[0-9]+\.[0-9]+' <<<"$version" || fail "--version: $version"
ok "no source or build path in the binary; $version"

# --- the unit ----------------------------------------------------------------------------
unit=$root/usr/lib/systemd/system/mamori.service
# The scratch root has no systemd of its own: give it the host's units (targets the unit's
# dependencies name), without touching mamori's.
cp -rn /lib/systemd/system/. "$root/usr/lib/systemd/system/"
# --man=no: the man page the unit names is in the package (checked above) but not where the
# host's man looks.
systemd-analyze verify --man=no --root="$root" mamori.service >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "systemd-analyze verify"; }
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify is not clean"; }
security=$(systemd-analyze security --offline=true --root="$root" --threshold=20 mamori.service 2>&1) \
  || { echo "$security"; fail "systemd-analyze security: exposure above 2.0"; }
ok "systemd-analyze verify clean; $(grep -o 'Overall exposure level.*' <<<"$security")"

# --- start it once as the service would --------------------------------------------------
conf=$root/etc/mamori/mamori.yaml
sed -i -e "s|^data_dir: .*|data_dir: $root/var/lib/mamori|" -e "s|^witness_dir: .*|witness_dir: $root/var/lib/mamori-witness|" \
       -e "s|^listen: .*|listen: 127.0.0.1:$port|" "$conf"
# ExecStart with every absolute path under the scratch root.
read -r -a exec_start <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
for i in "${!exec_start[@]}"; do
  [[ ${exec_start[$i]} == /* ]] && exec_start[$i]=$root${exec_start[$i]}
done
[ "${exec_start[0]}" = "$bin" ] && [ "${exec_start[*]: -2}" = "--config $conf" ] || fail "ExecStart: ${exec_start[*]}"
# User=, Group=, UMask=, NoNewPrivileges= and an empty capability set, as the unit says. The
# scratch root's /etc/passwd and /etc/group are the user database in effect (a private mount
# namespace), as they would be on the host the package is installed on: the host's own files do
# not know the user mamori, and libpwquality's cracklib check refuses every password of a user
# without an entry. It execs (one process from here to mamori): call it in a subshell.
as_mamori() {
  exec unshare --mount --propagation private -- sh -c '
    mount --bind "$1/etc/passwd" /etc/passwd && mount --bind "$1/etc/group" /etc/group || exit 1
    uid=$2 gid=$3; shift 3
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- \
      env -i PATH=/usr/bin:/bin LANG=C.UTF-8 sh -c "umask 0077; exec \"\$@\"" sh "$@"' sh "$root" "$uid" "$gid" "$@"
}
password="Mm7#$(head -c 12 /dev/urandom | base64 | tr -d "/+=")"
printf '%s\n' "$password" | (as_mamori "$bin" init --config "$conf" --admin pkgadmin) >"$work/init.log" 2>&1 \
  || { cat "$work/init.log"; fail "init --config"; }
ok "init --config as mamori"

base=https://127.0.0.1:$port
# The port is free, so whatever answers below is this server.
! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port is in use"
as_mamori "${exec_start[@]}" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  code=$(curl -sk -o /dev/null -w '%{http_code}' "$base/readyz" || true)
  [ "$code" = 200 ] && break
  kill -0 "$server" 2>/dev/null || fail "serve exited"
  sleep 0.5
done
[ "$code" = 200 ] || fail "/readyz answered $code"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$server/status")" = "$uid" ] || fail "serve does not run as mamori"
ok "serve (the unit's ExecStart) runs as mamori; /readyz 200"

curl -sk "$base/" -o "$work/index.html"
cmp -s "$work/index.html" "$root/usr/share/mamori/web/index.html" || fail "/ is not the installed web app: $(head -c 300 "$work/index.html")"
ok "/ serves share/mamori/web/index.html"

body=$(curl -sk -D "$work/headers" -H 'Content-Type: application/json' \
  -d "{\"login_id\":\"pkgadmin\",\"password\":\"$password\"}" "$base/api/v1/session")
grep -q '^HTTP/[0-9.]* 200' "$work/headers" || fail "sign-in: $(head -1 "$work/headers") $body"
grep -qi '^set-cookie: __Host-mamori_session=' "$work/headers" || fail "sign-in set no session cookie"
grep -q '"must_change_password":true' <<<"$body" || fail "sign-in: $body"
ok "sign-in 200 with the session cookie (temporary password must change)"

kill -TERM "$server"
for _ in $(seq 1 60); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
! kill -0 "$server" 2>/dev/null || fail "serve did not stop within 30 s of SIGTERM"
wait "$server" || fail "serve exited $? after SIGTERM"
server=""
ok "SIGTERM stops it (exit 0)"

loose=$(find "$root/var/lib/mamori" "$root/var/lib/mamori-witness" \( ! -uid "$uid" -o -perm /077 \) -printf '%p %u %m\n')
[ -z "$loose" ] || fail "files not owner-only or not mamori's: $loose"
(as_mamori "$bin" log verify --config "$conf") >"$work/verify-log.txt" 2>&1 || { cat "$work/verify-log.txt"; fail "log verify"; }
grep -q '^ok: ' "$work/verify-log.txt" || fail "log verify: $(cat "$work/verify-log.txt")"
ok "every file mamori's and owner-only; $(grep '^ok: ' "$work/verify-log.txt")"

# --- removal keeps the data and the edited config ----------------------------------------
dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null -r mamori >"$work/dpkg-r.log" 2>&1 \
  || { cat "$work/dpkg-r.log"; fail "dpkg -r"; }
[ ! -e "$bin" ] || fail "dpkg -r left the binary"
[ -f "$root/var/lib/mamori/mamori.db" ] && [ -f "$root/var/lib/mamori/keys/log_signing.pem" ] || fail "dpkg -r removed data"
grep -q "127.0.0.1:$port" "$conf" || fail "dpkg -r lost the edited conffile"
ok "dpkg -r removes the program, keeps the data and the edited /etc/mamori/mamori.yaml"
echo "PASS"
