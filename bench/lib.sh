# Shared by bench/run.sh and bench/compare-postfix.sh (sourced, not run): the two servers under test, their
# smtp-sink relay targets, and the bookkeeping around one measurement. The caller sets here, root, B (the scratch
# directory), JAVA_HOME and MR_JAVA_OPTS, and calls bench_init first.

USER_NAME="sender@example.test"
PASSWORD="bench-password"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Refuses to start when a port the benchmark needs is taken (a left-over run would be measured instead).
require_free_ports() {
  local p
  for p in "$@"; do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$(basename "$0"): port $p already in use" >&2; exit 1; fi
  done
}

pids=()
MR_PID=""
# Stops everything the script started, on any exit.
bench_cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$MR_PID" ] && kill "$MR_PID" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$MR_PID" 2>/dev/null || break; sleep 0.1; done
  [ -n "$MR_PID" ] && kill -9 "$MR_PID" 2>/dev/null
  PF_DIR="$B/postfix" "$here/postfix.sh" stop
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
}

bench_init() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  rm -rf "$B"; mkdir -p "$B/mr" "$B/sink" "$B/runs"
}

build_mailroom() {
  log "building Mailroom"
  (cd "$root" && ./mvnw -q -B -o -DskipTests package >"$B/build.log" 2>&1) || { cat "$B/build.log" >&2; exit 1; }
}

# smtp-sink relay targets; smtp-sink -c prints "sess=N quit=N mesg=N" counters.
start_sink() { # port name
  smtp-sink -u nobody -c "127.0.0.1:$1" 1000 >"$B/sink/$2.out" 2>&1 &
  pids+=($!)
}
sink_count() { tr '\r' '\n' <"$B/sink/$1.out" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || true; }

# Waits until a sink's counter has not moved for 3 s (at most 600 s): the queue behind it is empty.
wait_drained() { # sink-name
  local last=-1 still=0 now
  for _ in $(seq 1 600); do
    now=$(sink_count "$1"); now=${now:-0}
    if [ "$now" = "$last" ]; then still=$((still + 1)); [ $still -ge 3 ] && break; else still=0; fi
    last=$now; sleep 1
  done
  log "drained: $1's sink has $last messages"
}

# Waits (at most 5 s) for a mostly idle machine; prints the idle % seen last.
wait_quiet() {
  local i idle=0
  for i in 1 2 3 4 5; do
    idle=$(python3 "$here/procwatch.py" idle 1)
    [ "$idle" -ge 85 ] && break
  done
  echo "$idle"
}

# Mailroom with a fresh data dir: STARTTLS+AUTH listener, a trusted no-AUTH listener for 127.0.0.0/8, relay to
# an smtp-sink. Limits are set high enough never to refuse a load client on loopback, so their cost is measured.
start_mailroom() { # submission-port trusted-port sink-port
  cat >"$B/mr/mailroom.toml" <<TOML
hostname = "mail.example.test"
data_dir = "$B/mr/data"
[domains]
default = "example.test"
local = ["example.test"]
[[listener]]
name = "submission"
listen = "127.0.0.1:$1"
tls = "starttls"
[[listener]]
name = "trusted"
listen = "127.0.0.1:$2"
tls = "none"
trusted_networks = ["127.0.0.0/8"]
[auth]
argon2_memory_kib = 19456
argon2_iterations = 2
argon2_parallelism = 1
cache_ttl_seconds = 300
[limits]
max_connections_per_client = 1000
max_connections = 5000
max_connection_rate_per_client = 1000000
[quota]
messages_per_hour = 1000000000
messages_per_day = 1000000000
recipients_per_day = 1000000000
new_recipients_per_day = 1000000000
[relay]
host = "127.0.0.1"
port = $3
tls = "none"
concurrency = 20
[tls]
native_crypto = ${NATIVE_CRYPTO:-true}
TOML
  echo "$PASSWORD" | "$root/mailroom" user add "$USER_NAME" --password-stdin --config "$B/mr/mailroom.toml" >/dev/null
  "$JAVA_HOME/bin/java" $MR_JAVA_OPTS -Xlog:gc:file="$B/mr/gc.log" -jar "$root/target/mailroom.jar" \
    run --config "$B/mr/mailroom.toml" >"$B/mr/mailroom.log" 2>&1 &
  MR_PID=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && return 0; sleep 0.1; done
  cat "$B/mr/mailroom.log" >&2; exit 1
}

# The private Postfix of postfix.sh; PF_PROCESS_LIMIT passes through.
start_postfix() { # plain-port auth-port sink-port
  PF_DIR="$B/postfix" PF_PLAIN_PORT=$1 PF_AUTH_PORT=$2 PF_SINK_PORT=$3 "$here/postfix.sh" start "$USER_NAME" "$PASSWORD"
  PF_PID=$(PF_DIR="$B/postfix" "$here/postfix.sh" pid)
}

# Mailroom's heap and process figures at the end of a run, as one line for the report.
mailroom_heap_line() {
  local hwm peak max gcs oom info alive
  hwm=$(python3 "$here/procwatch.py" hwm "$MR_PID")
  peak=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$B/mr/gc.log" | sed 's/M->.*//' | sort -n | tail -1)
  max=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$B/mr/gc.log" | sed 's/.*(\([0-9]*\)M)/\1/' | sort -n | tail -1)
  gcs=$(grep -c 'Pause' "$B/mr/gc.log" || true)
  oom=$(grep -c 'OutOfMemoryError' "$B/mr/mailroom.log" || true)
  info=$("$JAVA_HOME/bin/jcmd" "$MR_PID" GC.heap_info 2>/dev/null | grep -E 'total|used' | head -2 | tr -s ' ' | tr '\n' ';' || true)
  kill -0 "$MR_PID" 2>/dev/null && alive=yes || alive=no
  echo "Mailroom heap: peak before GC ${peak:-?} MB of ${max:-?} MB committed max, $gcs GC pauses, OutOfMemoryError: $oom, alive at end: $alive; VmHWM ${hwm} MB; at end: ${info}"
}

machine_line() {
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, $(df -T "$B" | awk 'NR==2{print $2}') on $(df "$B" | awk 'NR==2{print $1}'); $(. /etc/os-release; echo "$PRETTY_NAME"); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}
