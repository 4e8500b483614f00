#!/usr/bin/env bash
# The real services the tests need, on 127.0.0.1 only (see docs/services.md): a Kafka-protocol
# broker (tansu, sqlite storage), ClickHouse (Debian's 18.16) and Redis (Debian's 7.0).
#   scripts/services.sh install                                idempotent installs
#   scripts/services.sh start  [kafka|clickhouse|redis|all]    start in the background, wait until ready
#   scripts/services.sh stop   [kafka|clickhouse|redis|all]    stop (data stays)
#   scripts/services.sh status                           running/stopped per service
#   scripts/services.sh reset                            stop both and delete their state
# State (data, logs, pidfiles, generated config) lives under $MONITOR_SERVICES_DIR
# (default <repo>/.services). Ports: KAFKA_PORT (9092), CLICKHOUSE_HTTP_PORT (8123),
# CLICKHOUSE_TCP_PORT (9000), REDIS_PORT (6379).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$(realpath -m "${MONITOR_SERVICES_DIR:-$ROOT/.services}")"
KAFKA_PORT="${KAFKA_PORT:-9092}"
CH_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-8123}"
CH_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"
REDIS_PORT="${REDIS_PORT:-6379}"
TANSU_VERSION=0.6.0
READY_TIMEOUT="${SERVICES_READY_TIMEOUT:-30}"   # seconds
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "[services] $*"; }
die() { echo "[services] error: $*" >&2; exit 1; }

for p in "$KAFKA_PORT" "$CH_HTTP_PORT" "$CH_TCP_PORT" "$REDIS_PORT"; do   # 18.16 silently wraps 99999 to 34463
  if ! [[ "$p" =~ ^[0-9]{1,5}$ ]] || ((10#$p < 1 || 10#$p > 65535)); then die "bad port '$p'"; fi
done

# ---------- helpers ----------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid from a pidfile, printed only when that process is alive and is the expected program.
live_pid() { # pidfile text-in-its-command-line
  local pid cmd
  [[ -f "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmd" == *"$2"* ]] && echo "$pid"
}

# Wait until the check succeeds: 1 (with a message) if the process dies or READY_TIMEOUT passes.
wait_ready() { # name pid check-command...
  local name="$1" pid="$2" deadline=$((SECONDS + READY_TIMEOUT)); shift 2
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || { echo "[services] error: $name exited during startup" >&2; return 1; }
    ((SECONDS < deadline)) || { echo "[services] error: $name not ready after ${READY_TIMEOUT}s" >&2; return 1; }
    sleep 0.1
  done
}

# After a failed start: show the end of the logs, stop what this start launched (if any), exit 1.
start_failed() { # name pidfile-or-empty cmdline-match logfile...
  local name="$1" pidfile="$2" match="$3"; shift 3
  echo "[services] last lines of the $name log:" >&2
  tail -n 30 "$@" >&2 2>/dev/null || true
  [[ -z "$pidfile" ]] || stop_pid "$name" "$pidfile" "$match" >&2
  exit 1
}

# Start a command in the background, detached, in directory $1, output to $2, pid into $3.
spawn() { # dir logfile pidfile command...
  local dir="$1" logfile="$2" pidfile="$3"; shift 3
  (cd "$dir" && exec setsid "$@" >>"$logfile" 2>&1 </dev/null) &
  echo $! >"$pidfile"
}

stop_pid() { # name pidfile cmdline-match
  local pid
  if ! pid="$(live_pid "$2" "$3")"; then log "$1 not running"; rm -f "$2"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "$1 (pid $pid) ignored SIGTERM for 30s: SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$2"; log "$1 stopped"
}

# A port that answers while our pidfile shows nothing belongs to someone else.
check_port_free() { # name port
  if port_open "$2"; then die "$1: 127.0.0.1:$2 is already in use by another process (set another port)"; fi
}

# ---------- Kafka-protocol broker (tansu) ----------
KAFKA_DIR="$STATE/kafka"; KAFKA_PID="$KAFKA_DIR/tansu.pid"; KAFKA_LOG="$KAFKA_DIR/tansu.log"
KAFKA_MATCH="tansu broker"   # what its command line contains (guards against a reused pid)

tansu_installed() { [[ "$(tansu --version 2>/dev/null || true)" == *" $TANSU_VERSION"* ]]; }

install_kafka() {
  if tansu_installed; then return 0; fi
  if pgrep -f "cargo install tansu" >/dev/null; then
    log "a tansu install is already running: waiting for it"
    while pgrep -f "cargo install tansu" >/dev/null; do sleep 5; done
    if tansu_installed; then return 0; fi
  fi
  # --debug: about 4 minutes instead of 9 on 2 cores, paid again on every fresh CI machine;
  # the tests check behaviour, not broker throughput. libsql gives the sqlite storage engine.
  local args=(tansu --version "$TANSU_VERSION" --features libsql --debug --force)
  log "cargo install tansu $TANSU_VERSION (about 4 minutes, once)"
  if ! cargo install --locked "${args[@]}"; then
    log "--locked failed (the registry mirror may lack a locked version): retrying without it"
    cargo install "${args[@]}"
  fi
  tansu_installed || die "tansu --version does not report $TANSU_VERSION after install"
}

start_kafka() {
  local pid
  if pid="$(live_pid "$KAFKA_PID" "$KAFKA_MATCH")"; then
    [[ "$(cat "$KAFKA_DIR/ports" 2>/dev/null)" == "$KAFKA_PORT" ]] ||
      die "kafka is already running on other ports ($(cat "$KAFKA_DIR/ports" 2>/dev/null)): stop it first"
    wait_ready kafka "$pid" port_open "$KAFKA_PORT" || start_failed kafka "" "" "$KAFKA_LOG"
    log "kafka already running (pid $pid): 127.0.0.1:$KAFKA_PORT"; return 0
  fi
  command -v tansu >/dev/null || die "tansu is not installed: run scripts/services.sh install"
  check_port_free kafka "$KAFKA_PORT"
  mkdir -p "$KAFKA_DIR"
  echo "$KAFKA_PORT" >"$KAFKA_DIR/ports"
  # sqlite://tansu.db is relative to the working directory: tansu misreads absolute paths.
  spawn "$KAFKA_DIR" "$KAFKA_LOG" "$KAFKA_PID" tansu broker \
    --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --storage-engine sqlite://tansu.db
  wait_ready kafka "$(<"$KAFKA_PID")" port_open "$KAFKA_PORT" ||
    start_failed kafka "$KAFKA_PID" "$KAFKA_MATCH" "$KAFKA_LOG"
  log "kafka ready: 127.0.0.1:$KAFKA_PORT (pid $(<"$KAFKA_PID"))"
}

stop_kafka() { stop_pid kafka "$KAFKA_PID" "$KAFKA_MATCH"; }

# ---------- ClickHouse ----------
CH_DIR="$STATE/clickhouse"; CH_PID="$CH_DIR/clickhouse.pid"; CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_MATCH="--config-file=$CH_DIR/config.xml"
CH_LOGS=("$CH_DIR/log/stdout.log" "$CH_LOG")   # stdout.log has errors from before its logger starts

install_clickhouse() {
  local missing=() pkg sudo=""
  for pkg in clickhouse-server clickhouse-client; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

write_clickhouse_config() {
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log}
  # No interserver_http_port: without it 18.16 opens no interserver port (no replication here).
  cat >"$CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Generated by scripts/services.sh; rewritten on every start. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$CH_DIR/log/clickhouse-server.log</log>
        <errorlog>$CH_DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$CH_HTTP_PORT</http_port>
    <tcp_port>$CH_TCP_PORT</tcp_port>
    <path>$CH_DIR/data/</path>
    <tmp_path>$CH_DIR/tmp/</tmp_path>
    <user_files_path>$CH_DIR/user_files/</user_files_path>
    <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
    <users_config>$CH_DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
EOF
  cat >"$CH_DIR/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Generated by scripts/services.sh: user "default", no password, from 127.0.0.1 only. -->
<yandex>
    <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default></quotas>
</yandex>
EOF
}

clickhouse_ping() { [[ "$(curl -s --max-time 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" || true)" == "Ok." ]]; }

start_clickhouse() {
  local pid
  if pid="$(live_pid "$CH_PID" "$CH_MATCH")"; then
    [[ "$(cat "$CH_DIR/ports" 2>/dev/null)" == "$CH_HTTP_PORT $CH_TCP_PORT" ]] ||
      die "clickhouse is already running on other ports ($(cat "$CH_DIR/ports" 2>/dev/null)): stop it first"
    wait_ready clickhouse "$pid" clickhouse_ping || start_failed clickhouse "" "" "${CH_LOGS[@]}"
    log "clickhouse already running (pid $pid): http://127.0.0.1:$CH_HTTP_PORT tcp 127.0.0.1:$CH_TCP_PORT"
    return 0
  fi
  command -v clickhouse-server >/dev/null || die "clickhouse-server is not installed: run scripts/services.sh install"
  check_port_free clickhouse "$CH_HTTP_PORT"
  check_port_free clickhouse "$CH_TCP_PORT"
  write_clickhouse_config
  echo "$CH_HTTP_PORT $CH_TCP_PORT" >"$CH_DIR/ports"
  spawn "$CH_DIR" "$CH_DIR/log/stdout.log" "$CH_PID" clickhouse-server "$CH_MATCH"
  # 18.16 opens all its ports together: /ping answering means the TCP port is up too.
  wait_ready clickhouse "$(<"$CH_PID")" clickhouse_ping ||
    start_failed clickhouse "$CH_PID" "$CH_MATCH" "${CH_LOGS[@]}"
  log "clickhouse ready: http://127.0.0.1:$CH_HTTP_PORT tcp 127.0.0.1:$CH_TCP_PORT (pid $(<"$CH_PID"))"
}

stop_clickhouse() { stop_pid clickhouse "$CH_PID" "$CH_MATCH"; }

# ---------- Redis ----------
REDIS_DIR="$STATE/redis"; REDIS_PID="$REDIS_DIR/redis.pid"; REDIS_LOG="$REDIS_DIR/redis.log"
REDIS_MATCH="redis-server 127.0.0.1:"   # what its process title starts with

install_redis() {
  dpkg -s redis-server >/dev/null 2>&1 && return 0
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "apt-get install redis-server"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  # The package starts a system-wide server on 6379; the tests run their own.
  { $sudo systemctl disable --now redis-server || $sudo service redis-server stop; } >/dev/null 2>&1 || true
}

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" == "PONG" ]]; }

start_redis() {
  local pid
  if pid="$(live_pid "$REDIS_PID" "$REDIS_MATCH")"; then
    [[ "$(cat "$REDIS_DIR/ports" 2>/dev/null)" == "$REDIS_PORT" ]] ||
      die "redis is already running on other ports ($(cat "$REDIS_DIR/ports" 2>/dev/null)): stop it first"
    wait_ready redis "$pid" redis_ping || start_failed redis "" "" "$REDIS_LOG"
    log "redis already running (pid $pid): 127.0.0.1:$REDIS_PORT"; return 0
  fi
  command -v redis-server >/dev/null || die "redis-server is not installed: run scripts/services.sh install"
  check_port_free redis "$REDIS_PORT"
  mkdir -p "$REDIS_DIR"
  echo "$REDIS_PORT" >"$REDIS_DIR/ports"
  # In memory only: the tests own their keys and restart it on purpose.
  spawn "$REDIS_DIR" "$REDIS_LOG" "$REDIS_PID" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
    --save '' --appendonly no --dir "$REDIS_DIR" --daemonize no
  wait_ready redis "$(<"$REDIS_PID")" redis_ping || start_failed redis "$REDIS_PID" "$REDIS_MATCH" "$REDIS_LOG"
  log "redis ready: 127.0.0.1:$REDIS_PORT (pid $(<"$REDIS_PID"))"
}

stop_redis() { stop_pid redis "$REDIS_PID" "$REDIS_MATCH"; }

# ---------- commands ----------
status() { # ports as recorded at start, whatever the environment says now
  local pid http tcp
  if pid="$(live_pid "$KAFKA_PID" "$KAFKA_MATCH")"; then
    echo "kafka: running (pid $pid) 127.0.0.1:$(<"$KAFKA_DIR/ports")"
  else echo "kafka: stopped"; fi
  if pid="$(live_pid "$CH_PID" "$CH_MATCH")"; then
    read -r http tcp <"$CH_DIR/ports"
    echo "clickhouse: running (pid $pid) http://127.0.0.1:$http tcp 127.0.0.1:$tcp"
  else echo "clickhouse: stopped"; fi
  if pid="$(live_pid "$REDIS_PID" "$REDIS_MATCH")"; then
    echo "redis: running (pid $pid) 127.0.0.1:$(<"$REDIS_DIR/ports")"
  else echo "redis: stopped"; fi
}

reset() {
  stop_kafka; stop_clickhouse; stop_redis
  # Delete only what this script creates, in case MONITOR_SERVICES_DIR points somewhere shared.
  rm -rf "$KAFKA_DIR" "$CH_DIR" "$REDIS_DIR"
  rmdir "$STATE" 2>/dev/null || true
  log "state deleted: $STATE"
}

which_services() { # kafka|clickhouse|redis|all -> list
  case "${1:-all}" in
    kafka) echo kafka ;; clickhouse) echo clickhouse ;; redis) echo redis ;;
    all) echo kafka clickhouse redis ;;
    *) die "unknown service '$1' (kafka, clickhouse, redis or all)" ;;
  esac
}

cmd="${1:-}"; shift || true
case "$cmd" in
  install) install_clickhouse; install_redis; install_kafka
    log "installed: $(tansu --version), clickhouse-server $(dpkg-query -W -f '${Version}' clickhouse-server), redis-server $(dpkg-query -W -f '${Version}' redis-server)" ;;
  start|stop) services="$(which_services "${1:-all}")"
    for s in $services; do "${cmd}_$s"; done ;;
  status) status ;;
  reset) reset ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
