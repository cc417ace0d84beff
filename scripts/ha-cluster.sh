#!/usr/bin/env bash
# A PostgreSQL pair with automatic failover, run by pg_auto_failover (Debian's
# postgresql-15-auto-failover and pg-auto-failover-cli): one monitor and two PostgreSQL nodes
# with synchronous replication, all on this machine, for tests and for trying the set-up that
# docs/operations.md describes for separate machines.
#
# usage: scripts/ha-cluster.sh start DIR BASEPORT   set up (first time) or start; prints the
#                                                   multi-host URL mamori connects with
#        scripts/ha-cluster.sh stop DIR             stop every process of the cluster
#        scripts/ha-cluster.sh state DIR            the monitor's view (pg_autoctl show state)
#        scripts/ha-cluster.sh primary DIR          the name of the current primary (node1|node2)
#        scripts/ha-cluster.sh kill DIR NODE        kill -9 a node's keeper and PostgreSQL at
#                                                   once, as if its machine died
#        scripts/ha-cluster.sh restart DIR NODE     start a killed node again (it rejoins as
#                                                   a standby)
#        scripts/ha-cluster.sh wait DIR             wait until one primary and one secondary
#
# Ports: BASEPORT is the monitor, BASEPORT+1 node1, BASEPORT+2 node2 (127.0.0.1 only).
# Authentication is `trust` on 127.0.0.1 and TLS is off: acceptable for one machine's loopback
# only. Across machines use --ssl-self-signed (or real certificates) and scram-sha-256, as
# docs/operations.md says. As root, everything runs as the postgres account.
set -euo pipefail
cmd=${1:?usage: ha-cluster.sh start|stop|state|primary|kill|restart|wait DIR [BASEPORT|NODE]}
dir=${2:?DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PATH="$bin:$PATH"
# pg_autoctl keeps its configuration and state under XDG directories: inside DIR, so that
# several clusters never share them.
export XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" XDG_RUNTIME_DIR="$dir/xdg/run"
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- env PATH="$PATH" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
      XDG_DATA_HOME="$XDG_DATA_HOME" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$@"
  else
    "$@"
  fi
}
monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$(cat "$dir/baseport")/pg_auto_failover?sslmode=disable"; }

# Starts `pg_autoctl run` for one node in its own session (so that `kill` can end the node's
# whole process group at once) and records the group's id.
run_node() {
  local name=$1
  # setsid makes the keeper the leader of a new process group whose id is its pid.
  as_pg setsid pg_autoctl run --pgdata "$dir/$name" >>"$dir/$name.log" 2>&1 </dev/null &
  local pid=$!
  # The pid of runuser/env is not the keeper's: find the keeper by its data directory.
  for _ in $(seq 1 50); do
    local k
    k=$(pgrep -f -o -x "pg_autoctl run --pgdata $dir/$name" || true)
    if [ -n "$k" ]; then echo "$k" >"$dir/$name.pid"; return 0; fi
    sleep 0.1
  done
  echo "ha-cluster: $name did not start (see $dir/$name.log)" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

# Waits until PostgreSQL of a node accepts connections.
wait_pg() {
  local port=$1
  for _ in $(seq 1 600); do
    pg_isready -q -h 127.0.0.1 -p "$port" && return 0
    sleep 0.2
  done
  echo "ha-cluster: PostgreSQL on port $port did not start" >&2
  return 1
}

show_state() { as_pg pg_autoctl show state --monitor "$(monitor_uri)" "$@"; }

# Waits until the formation has one node in state primary and one in secondary: only then are
# commits acknowledged after the standby has them (synchronous replication).
wait_healthy() {
  for _ in $(seq 1 900); do
    local s
    s=$(show_state --json 2>/dev/null || true)
    if [ "$(grep -c '"current_group_state": "primary"' <<<"$s")" = 1 ] &&
       [ "$(grep -c '"current_group_state": "secondary"' <<<"$s")" = 1 ] &&
       [ "$(grep -c '"assigned_group_state": "primary"' <<<"$s")" = 1 ] &&
       [ "$(grep -c '"assigned_group_state": "secondary"' <<<"$s")" = 1 ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "ha-cluster: the formation did not reach primary + secondary" >&2
  show_state >&2 || true
  return 1
}

case "$cmd" in
  start)
    base=${3:?BASEPORT}
    mkdir -p "$dir/xdg/config" "$dir/xdg/data" "$dir/xdg/run"
    chmod 700 "$dir/xdg/run"
    echo "$base" >"$dir/baseport"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    if [ ! -f "$dir/monitor/PG_VERSION" ]; then
      as_pg pg_autoctl create monitor --pgdata "$dir/monitor" --pgport "$base" \
        --hostname 127.0.0.1 --auth trust --no-ssl >>"$dir/monitor.log" 2>&1
      # Failure detection for a demo or test on one machine: health checks every second, a node
      # unhealthy after 3 s without news (defaults: 5 s checks, 20 s), and an unreachable
      # primary taken as demoted after 6 s (default 30 s). The last is safe only because every
      # keeper demotes its own primary after 3 s without monitor or standby
      # (timeout.network_partition_timeout below; default 20 s): the monitor's wait must stay
      # longer than that. Between machines keep the defaults or measure first.
      cat >>"$dir/monitor/postgresql.conf" <<EOF
# mamori ha-cluster.sh: faster failure detection (see docs/operations.md)
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 6000
EOF
    fi
    run_node monitor
    wait_pg "$base"
    for i in 1 2; do
      port=$((base + i))
      if [ ! -f "$dir/node$i/PG_VERSION" ]; then
        as_pg pg_autoctl create postgres --pgdata "$dir/node$i" --pgport "$port" \
          --hostname 127.0.0.1 --name "node$i" --dbname mamori --auth trust --no-ssl \
          --monitor "$(monitor_uri)" >>"$dir/node$i.log" 2>&1
        # The keeper's own timeouts, paired with the monitor's above.
        as_pg pg_autoctl config set --pgdata "$dir/node$i" timeout.network_partition_timeout 3 >/dev/null
        as_pg pg_autoctl config set --pgdata "$dir/node$i" timeout.prepare_promotion_walreceiver 2 >/dev/null
      fi
      run_node "node$i"
      wait_pg "$port"
      if [ "$i" = 1 ]; then
        # The application's role on the first primary; replication carries it to the standby.
        for _ in $(seq 1 300); do
          [ "$(as_pg psql -h 127.0.0.1 -p "$port" -d mamori -XAtqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
          sleep 0.2
        done
        as_pg psql -h 127.0.0.1 -p "$port" -d mamori -Xqc \
          "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mamori') THEN CREATE ROLE mamori LOGIN; END IF; END\$\$; ALTER DATABASE mamori OWNER TO mamori; GRANT ALL ON SCHEMA public TO mamori;" >/dev/null 2>&1 || true
      fi
    done
    wait_healthy
    echo "postgresql://mamori@127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))/mamori?target_session_attrs=read-write&connect_timeout=3"
    ;;
  stop)
    for n in node2 node1 monitor; do
      [ -f "$dir/$n.pid" ] || continue
      pid=$(cat "$dir/$n.pid")
      if kill -0 "$pid" 2>/dev/null; then
        as_pg pg_autoctl stop --pgdata "$dir/$n" --fast >/dev/null 2>&1 || kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
      fi
      # A PostgreSQL left over by a killed keeper.
      [ -f "$dir/$n/postmaster.pid" ] && as_pg pg_ctl -D "$dir/$n" -m immediate stop >/dev/null 2>&1 || true
      rm -f "$dir/$n.pid"
    done
    ;;
  state)
    show_state
    ;;
  primary)
    show_state --json | tr -d ' \n' | grep -o '"nodename":"node[0-9]"[^}]*"current_group_state":"primary"' |
      grep -o 'node[0-9]' | head -n 1
    ;;
  kill)
    node=${3:?NODE}
    pid=$(cat "$dir/$node.pid")
    # The keeper leads the process group; PostgreSQL and its children are in it too.
    kill -KILL -- "-$pid" 2>/dev/null || true
    # PostgreSQL too, should it run in a group of its own: its pid is in postmaster.pid.
    if [ -f "$dir/$node/postmaster.pid" ]; then
      pm=$(head -n 1 "$dir/$node/postmaster.pid")
      [ -n "$pm" ] && kill -KILL "$pm" 2>/dev/null || true
    fi
    ;;
  restart)
    node=${3:?NODE}
    run_node "$node"
    ;;
  wait)
    wait_healthy
    ;;
  *)
    echo "usage: ha-cluster.sh start|stop|state|primary|kill|restart|wait DIR [BASEPORT|NODE]" >&2
    exit 2
    ;;
esac
