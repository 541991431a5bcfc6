#!/usr/bin/env bash
# The transfer benchmark (issue 3): Mailroom vs a private Postfix, end to end to a Maildir and to a remote
# smtp-sink, then memory with 100,000 deferred messages.
#
#   bench/setup.sh                  # once: installs postfix (smtp-source, smtp-sink)
#   bench/transfer.sh               # e2e matrix (1 repetition) + the 100,000 deferred messages
#   REPS=3 bench/transfer.sh        # medians of 3 for the e2e matrix
#   DEFERRED=0 bench/transfer.sh    # only the e2e matrix;   DEFERRED_N=20000 for a smaller queue
#
# Shapes (smtp-source, 50 sessions, one message per transaction, 1 KiB and 100 KiB, against Mailroom's trusted
# listener (submission role, tls = "none", trusted_networks = 127.0.0.0/8: no AUTH) and Postfix's mynetworks
# listener):
#   maildir  rcpt@local.test, a local user: e2e until every message is a file in the user's Maildir new/
#            (Mailroom [local] delivery = "maildir"; Postfix virtual(8) with virtual_mailbox_base)
#   remote   rcpt@remote.test: e2e until the smtp-sink counted every message
#            (Mailroom [delivery.routes] "remote.test" = sink; Postfix transport map remote.test -> sink)
# Deferred: DEFERRED_N x 1 KiB to rcpt@deferred.test, routed to a loopback port where nothing listens.
#
# Ports (all 127.0.0.1): Mailroom 12588, Postfix 13587, smtp-sink 12025 (Mailroom's) / 12026 (Postfix's),
# 12099 nothing (deferred.test). Everything started here is stopped on exit (trap), even on failure; every
# loop and client is bounded in count and time. Results: $BENCH_DIR/raw.tsv + deferred.tsv, then Markdown
# printed and written to bench/results/transfer-<date>.md (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
B="${BENCH_DIR:-/tmp/bench3}"
REPS="${REPS:-1}"
DEFERRED="${DEFERRED:-1}"
DEFERRED_N="${DEFERRED_N:-100000}"
WARM="${WARM:-20000}"                 # 1 KiB messages to the Maildir per server in the warm-up (+ half as many remote)
N_1K="${N_1K:-5000}"; N_100K="${N_100K:-1000}"; SESSIONS="${SESSIONS:-50}"
N_CHECK="${N_CHECK:-$N_1K}"            # 1 KiB to the Maildir before the deferred fill and with the full queue
IDLE_WINDOW="${IDLE_WINDOW:-120}"      # seconds of CPU measured with the full deferred queue and no traffic
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MR_JAVA_OPTS="${MR_JAVA_OPTS:--Xmx256m}"
MR_PORT=12588; PF_PORT=13587; SINK_MR=12025; SINK_PF=12026; DEAD=12099
CLIENT_TIMEOUT=600                     # seconds, per smtp-source of the matrix
DRAIN_TIMEOUT=300                      # seconds to wait for every message to arrive (end to end)
FILL_TIMEOUT=1500                      # seconds for the deferred fill
SENDER="sender@local.test"

command -v smtp-source >/dev/null || { echo "transfer.sh: smtp-source missing: run bench/setup.sh" >&2; exit 1; }
for p in $MR_PORT $PF_PORT $SINK_MR $SINK_PF $DEAD; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "transfer.sh: port $p already in use" >&2; exit 1; fi
done

pids=()
MR_PID=""
stop_mailroom() {
  [ -n "$MR_PID" ] || return 0
  kill "$MR_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$MR_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$MR_PID" 2>/dev/null || true
  wait "$MR_PID" 2>/dev/null || true
  MR_PID=""
}
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  stop_mailroom
  PF_DIR="$B/postfix" "$here/postfix-transfer.sh" stop
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  # The deferred queues are ~1 GB of small files: keep them only when asked.
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$B/mr/data/spool" "$B/postfix/spool/deferred" "$B/postfix/spool/defer" \
    "$B/mr/mail" "$B/postfix/vmail"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$B"; mkdir -p "$B/mr" "$B/sink" "$B/runs"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
count() { python3 "$here/waitcount.py" count "$@"; }

log "building Mailroom"
(cd "$root" && ./mvnw -q -B -o -DskipTests package >"$B/build.log" 2>&1) || { cat "$B/build.log" >&2; exit 1; }

start_sink() { # port name
  smtp-sink -u nobody -c "127.0.0.1:$1" 1000 >"$B/sink/$2.out" 2>&1 &
  pids+=($!)
}
start_sink $SINK_MR mailroom; start_sink $SINK_PF postfix

# --- Mailroom ---------------------------------------------------------------------------------------------
MR_MAILDIR="$B/mr/mail/local.test/rcpt/new"
cat >"$B/mr/mailroom.toml" <<TOML
hostname = "mail.local.test"
data_dir = "$B/mr/data"
[domains]
default = "local.test"
local = ["local.test"]
[[listener]]
name = "trusted"
listen = "127.0.0.1:$MR_PORT"
tls = "none"
trusted_networks = ["127.0.0.0/8"]
[limits]
max_connections_per_client = 1000
max_connections = 5000
# every load client is on loopback: limits high enough never to refuse, so their cost is still measured
max_connection_rate_per_client = 1000000
[local]
delivery = "maildir"
maildir_root = "$B/mr/mail"
[delivery]
remote = "mx"
tls = "none"
[delivery.routes]
"remote.test" = "127.0.0.1:$SINK_MR"
"deferred.test" = "127.0.0.1:$DEAD"
[relay]
concurrency = 20
TOML
for u in rcpt@local.test $SENDER; do
  echo "bench-password" | "$root/mailroom" user add "$u" --password-stdin --config "$B/mr/mailroom.toml" >/dev/null
done
mkdir -p "$MR_MAILDIR"
"$JAVA_HOME/bin/java" $MR_JAVA_OPTS -Xlog:gc:file="$B/mr/gc.log" -jar "$root/target/mailroom.jar" \
  run --config "$B/mr/mailroom.toml" >"$B/mr/mailroom.log" 2>&1 &
MR_PID=$!
# --- Postfix ----------------------------------------------------------------------------------------------
PF_DIR="$B/postfix" PF_PLAIN_PORT=$PF_PORT PF_SINK_PORT=$SINK_PF PF_DEAD_PORT=$DEAD "$here/postfix-transfer.sh" start
PF_PID=$(PF_DIR="$B/postfix" "$here/postfix-transfer.sh" pid)
PF_MAILDIR="$(PF_DIR="$B/postfix" "$here/postfix-transfer.sh" maildir)/new"
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$MR_PORT) 2>/dev/null && break; sleep 0.1; done
(exec 3<>/dev/tcp/127.0.0.1/$MR_PORT) 2>/dev/null || { cat "$B/mr/mailroom.log" >&2; exit 1; }
log "Mailroom pid $MR_PID, Postfix master pid $PF_PID"

port_of() { [ "$1" = mailroom ] && echo $MR_PORT || echo $PF_PORT; }
pid_of() { [ "$1" = mailroom ] && echo "$MR_PID" || echo "$PF_PID"; }
maildir_of() { [ "$1" = mailroom ] && echo "$MR_MAILDIR" || echo "$PF_MAILDIR"; }
sink_of() { echo "$B/sink/$1.out"; }
# Every run starts with an empty new/, as if the user's mail client had taken the messages away. A fresh
# directory, not the old one emptied: after thousands of files were deleted from new/ at once, ext4 spent 2-4 times
# the kernel CPU per delivered message there (Mailroom alone, 1 KiB: 1.1-2.1 ms against 0.5-0.7 ms of system time,
# 690-1180 msg/s against 1700-2100), which measured the file system's clean-up, not the server. The old directories
# stay until the end (no mass deletion while anything is measured).
MAILDIR_GEN=0
fresh_maildir() {
  [ -d "$1" ] || return 0
  MAILDIR_GEN=$((MAILDIR_GEN + 1))
  mv "$1" "$1.old$MAILDIR_GEN"
  mkdir -m "$(stat -c %a "$1.old$MAILDIR_GEN")" "$1"
  chown --reference="$1.old$MAILDIR_GEN" "$1"
}
QUIET_WAIT="${QUIET_WAIT:-30}"         # seconds to wait for an idle machine (>= 85 %) before each measurement
wait_quiet() { # waits (at most QUIET_WAIT s) for a mostly idle machine; prints the idle % seen last
  local i idle=0
  for i in $(seq 1 "$QUIET_WAIT"); do
    idle=$(python3 "$here/procwatch.py" idle 1)
    [ "$idle" -ge 85 ] && break
  done
  echo "$idle"
}
send() { # PORT RCPT BYTES N SESSIONS TIMEOUT OUT  -> smtp-source's exit status; client CPU in OUT.time
  local rc=0
  /usr/bin/time -f '%U %S' -o "$7.time" timeout "$6" \
    smtp-source -M HELO -l "$3" -m "$4" -s "$5" -r 1 -f $SENDER -t "$2" "127.0.0.1:$1" >"$7" 2>&1 || rc=$?
  return $rc
}

# --- one end-to-end measurement --------------------------------------------------------------------------
printf 'server\tshape\tsize\tsessions\trep\tok\tfailed\twall_s\tmsg_s\te2e_msg_s\tserver_cpu_s\tpeak_rss_mb\tpeak_pss_mb\tclient_cpu_s\tidle_pct\tother_cpu_s\n' >"$B/raw.tsv"
measure() { # SERVER SHAPE SIZE SESSIONS REP
  local server=$1 shape=$2 size=$3 sessions=$4 rep=$5
  local n bytes rcpt kind path pid port
  case $size in 1k) bytes=1024; n=$N_1K ;; 100k) bytes=102400; n=$N_100K ;; esac
  pid=$(pid_of $server); port=$(port_of $server)
  case $shape in
    maildir) rcpt=rcpt@local.test; kind=maildir; path=$(maildir_of $server) ;;
    remote) rcpt=rcpt@remote.test; kind=sink; path=$(sink_of $server) ;;
  esac
  # Each run starts from a clean disk: what the previous run (often the other server) left to write back is
  # written now, not during this run.
  [ "${SYNC_BEFORE:-1}" = 1 ] && timeout 60 sync
  local idle; idle=$(wait_quiet)
  local base; base=$(count $kind "$path")
  [ "${THREADCPU:-0}" = 1 ] && [ $server = mailroom ] && python3 "$here/threadcpu.py" "$pid" >"$B/runs/threads.json"
  local cpu0; cpu0=$(python3 "$here/procwatch.py" cpu "$pid")
  local busy0; busy0=$(python3 "$here/waitcount.py" busy)
  local wfile="$B/runs/watch.$$"; rm -f "$wfile"
  python3 "$here/procwatch.py" watch "$pid" "$wfile" & local wpid=$!; pids+=($wpid)
  local out="$B/runs/$server.$shape.$size.$sessions.$rep.out" rc=0 t0 t1
  t0=$(date +%s.%N)
  send "$port" $rcpt $bytes "$n" "$sessions" $CLIENT_TIMEOUT "$out" || rc=$?
  t1=$(date +%s.%N)
  local got t2 want=$((base + n))
  # smtp-source stops at the first non-2xx reply: then wait only until the count stops moving.
  if [ $rc -ne 0 ]; then want=$(( $(python3 "$here/waitcount.py" stable $kind "$path" 3 60) )); fi
  read -r got t2 < <(python3 "$here/waitcount.py" wait $kind "$path" "$want" $DRAIN_TIMEOUT)
  local cpu1; cpu1=$(python3 "$here/procwatch.py" cpu "$pid")
  local busy1; busy1=$(python3 "$here/waitcount.py" busy)
  kill "$wpid"; wait "$wpid" 2>/dev/null || true
  local rss="-" pss="-"; read -r rss pss <"$wfile" || true
  local ok failed msgs e2e ccpu scpu other
  if [ $rc -eq 0 ]; then ok=$n; else ok=$((got - base)); fi
  failed=$((n - ok))
  msgs=$(python3 -c "print('%.1f' % ($ok / ($t1 - $t0)))")
  if [ "$t2" != - ]; then e2e=$(python3 -c "print('%.1f' % ($((got - base)) / ($t2 - $t0)))"); else e2e="-"; fi
  ccpu=$(awk '{printf "%.2f", $1 + $2}' "$out.time" 2>/dev/null || echo -)
  scpu=$(python3 -c "print('%.2f' % ($cpu1 - $cpu0))")
  # Everything else the machine did meanwhile (pollers, kernel threads, other users of the machine).
  other=$(python3 -c "print('%.2f' % ($busy1 - $busy0 - ($cpu1 - $cpu0) - ${ccpu/-/0}))")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$shape" "$size" \
    "$sessions" "$rep" "$ok" "$failed" "$(python3 -c "print($t1 - $t0)")" "$msgs" "$e2e" "$scpu" "$rss" "$pss" "$ccpu" \
    "$idle" "$other" >>"$B/raw.tsv"
  log "$server $shape $size s=$sessions rep=$rep: ok=$ok failed=$failed $msgs msg/s (e2e $e2e; $((got - base)) arrived)," \
    "server cpu ${scpu}s, client cpu ${ccpu}s, other cpu ${other}s, peak rss $rss MB, idle before ${idle}%"
  [ $rc -eq 0 ] || log "  smtp-source exit $rc: $(tail -c 300 "$out" | tr '\n' ' ')"
  if [ "${THREADCPU:-0}" = 1 ] && [ $server = mailroom ]; then
    python3 "$here/threadcpu.py" "$pid" "$B/runs/threads.json" 2>/dev/null | head -6 | sed 's/^/    /' >&2 || true
  fi
  [ $shape = maildir ] && fresh_maildir "$path"
  return 0
}

# --- warm-up, not recorded ---------------------------------------------------------------------------------
# The JVM reaches its steady state only once the JIT has compiled the per-message code (see bench/README.md);
# both servers get exactly the same warm-up (for Postfix it fills its process pools and caches).
log "warm-up: per server $WARM x 1 KiB to the Maildir, $((WARM / 2)) x 1 KiB remote, 500 x 100 KiB to each"
for srv in mailroom postfix; do
  p=$(port_of $srv)
  send "$p" rcpt@local.test 1024 "$WARM" 50 600 "$B/runs/warm.$srv.1" || log "warm-up $srv: smtp-source exit $?"
  send "$p" rcpt@remote.test 1024 $((WARM / 2)) 50 600 "$B/runs/warm.$srv.2" || log "warm-up $srv: smtp-source exit $?"
  send "$p" rcpt@local.test 102400 500 50 600 "$B/runs/warm.$srv.3" || log "warm-up $srv: smtp-source exit $?"
  send "$p" rcpt@remote.test 102400 500 50 600 "$B/runs/warm.$srv.4" || log "warm-up $srv: smtp-source exit $?"
done
# Both queues must be empty before the first measurement, or their backlog is counted in the first runs.
for srv in mailroom postfix; do
  read -r got _ < <(python3 "$here/waitcount.py" wait maildir "$(maildir_of $srv)" $((WARM + 500)) 600)
  read -r sunk _ < <(python3 "$here/waitcount.py" wait sink "$(sink_of $srv)" $((WARM / 2 + 500)) 600)
  log "warm-up drained: $srv delivered $got to the Maildir, its sink has $sunk"
  fresh_maildir "$(maildir_of $srv)"
done
sleep 2

# --- the matrix: for each shape, Mailroom then Postfix -----------------------------------------------------
for rep in $(seq 1 "$REPS"); do
  for shape in maildir remote; do for size in 1k 100k; do
    measure mailroom $shape $size "$SESSIONS" "$rep"
    measure postfix $shape $size "$SESSIONS" "$rep"
  done; done
done
MR_HEAP_PEAK=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$B/mr/gc.log" | sed 's/M->.*//' | sort -n | tail -1)
MR_OOM_MATRIX=$(grep -c 'OutOfMemoryError' "$B/mr/mailroom.log" || true)

# --- 100,000 deferred messages ------------------------------------------------------------------------------
# heap_info SERVER-PID -> "USED_MB COMMITTED_MB" of the Java heap after a full GC
heap_after_gc() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null 2>&1 || true
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"heap\s+total(?: reserved \d+K,)? committed (\d+)K, used (\d+)K", t) or \
    re.search(r"heap\s+total (\d+)K, used (\d+)K", t)
print("%.1f %.1f" % (int(m.group(2)) / 1024, int(m.group(1)) / 1024) if m else "- -")'
}
# One line per figure: "server key value" (the report picks what it shows).
printf 'server\tkey\tvalue\n' >"$B/deferred.tsv"
put() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$B/deferred.tsv"; }
# memory SERVER WHEN: RSS/PSS of the whole server (+ the heap after a full GC for Mailroom, qmgr for Postfix)
memory() {
  local server=$1 when=$2 pid r p
  pid=$(pid_of $server)
  if [ $server = mailroom ]; then
    read -r r p < <(heap_after_gc "$pid"); put $server heap_$when "$r"; put $server heap_committed_$when "$p"
  else
    read -r r p < <(python3 "$here/waitcount.py" mem "$pid" qmgr); put $server qmgr_rss_$when "$r"; put $server qmgr_pss_$when "$p"
  fi
  read -r r p < <(python3 "$here/waitcount.py" mem "$pid"); put $server rss_$when "$r"; put $server pss_$when "$p"
}
# check SERVER WHEN: N_CHECK x 1 KiB to the Maildir at 50 sessions, as in the matrix: can new mail get in and out?
check() {
  local server=$1 when=$2 pid port mdir rc=0 t0 t1 t2 got c0 c1
  pid=$(pid_of $server); port=$(port_of $server); mdir=$(maildir_of $server)
  fresh_maildir "$mdir"
  c0=$(python3 "$here/procwatch.py" cpu "$pid")
  t0=$(date +%s.%N)
  send "$port" rcpt@local.test 1024 "$N_CHECK" 50 $CLIENT_TIMEOUT "$B/runs/deferred.$server.$when.out" || rc=$?
  t1=$(date +%s.%N)
  read -r got t2 < <(python3 "$here/waitcount.py" wait maildir "$mdir" "$N_CHECK" $DRAIN_TIMEOUT)
  c1=$(python3 "$here/procwatch.py" cpu "$pid")
  put $server ${when}_rc $rc; put $server ${when}_delivered "$got"
  put $server ${when}_msg_s "$(python3 -c "print('%.1f' % ($got / ($t1 - $t0)))")"
  [ "$t2" != - ] && put $server ${when}_e2e "$(python3 -c "print('%.1f' % ($got / ($t2 - $t0)))")"
  put $server ${when}_cpu_ms "$(python3 -c "print('%.2f' % (($c1 - $c0) * 1000 / max(1, $got)))")"
  log "deferred $server, $when: $got/$N_CHECK delivered to the Maildir (exit $rc)"
  fresh_maildir "$mdir"
}
deferred() { # SERVER
  local server=$1 pid port kind path
  pid=$(pid_of $server); port=$(port_of $server)
  if [ $server = mailroom ]; then kind=mrstate; path="$B/mr/data/spool/queue"; else kind=tree; path="$B/postfix/spool/deferred"; fi
  put $server n "$DEFERRED_N"
  check $server check_empty
  memory $server before
  local idle; idle=$(wait_quiet); put $server idle_pct "$idle"
  local cpu0 busy0; cpu0=$(python3 "$here/procwatch.py" cpu "$pid"); busy0=$(python3 "$here/waitcount.py" busy)
  local wfile="$B/runs/watch.deferred.$server"; rm -f "$wfile"
  python3 "$here/procwatch.py" watch "$pid" "$wfile" & local wpid=$!; pids+=($wpid)
  log "deferred $server: sending $DEFERRED_N x 1 KiB to rcpt@deferred.test (idle before ${idle}%)"
  local out="$B/runs/deferred.$server.out" rc=0 t0 t1 t2 got accepted
  t0=$(date +%s.%N)
  send "$port" rcpt@deferred.test 1024 "$DEFERRED_N" 50 $FILL_TIMEOUT "$out" || rc=$?
  t1=$(date +%s.%N)
  accepted=$DEFERRED_N
  if [ $rc -ne 0 ]; then
    log "  smtp-source exit $rc after $(python3 -c "print(round($t1 - $t0))") s: $(tail -c 300 "$out" | tr '\n' ' ')"
    if [ $server = mailroom ]; then accepted=$(count mrqueue "$path")
    else accepted=$(( $(count tree "$B/postfix/spool/deferred") + $(count tree "$B/postfix/spool/active") + $(count tree "$B/postfix/spool/incoming") )); fi
  fi
  # Every accepted message has had its first attempt and waits for a retry.
  read -r got t2 < <(python3 "$here/waitcount.py" wait $kind "$path" "$accepted" 900)
  local cpu1 busy1; cpu1=$(python3 "$here/procwatch.py" cpu "$pid"); busy1=$(python3 "$here/waitcount.py" busy)
  kill "$wpid"; wait "$wpid" 2>/dev/null || true
  local rss pss; read -r rss pss <"$wfile" || true
  put $server fill_rc $rc; put $server accepted "$accepted"; put $server deferred "$got"
  put $server fill_s "$(python3 -c "print('%.1f' % ($t1 - $t0))")"
  put $server fill_msg_s "$(python3 -c "print('%.1f' % ($accepted / ($t1 - $t0)))")"
  [ "$t2" != - ] && put $server all_deferred_s "$(python3 -c "print('%.1f' % ($t2 - $t0))")"
  put $server fill_cpu_ms "$(python3 -c "print('%.2f' % (($cpu1 - $cpu0) * 1000 / max(1, $accepted)))")"
  put $server fill_other_cpu_s "$(python3 -c "print('%.1f' % ($busy1 - $busy0 - ($cpu1 - $cpu0)))")"
  put $server peak_rss "$rss"; put $server peak_pss "$pss"
  log "deferred $server: $accepted accepted in $(python3 -c "print('%.1f' % ($t1 - $t0))") s, $got deferred, peak RSS $rss MB (PSS $pss)"
  memory $server full
  # What the full queue costs with no traffic (retries, queue scans); then the memory once the idle processes
  # (Postfix: smtpd, cleanup after max_idle = 100 s) have gone.
  local c0 c1; c0=$(python3 "$here/procwatch.py" cpu "$pid"); sleep "$IDLE_WINDOW"; c1=$(python3 "$here/procwatch.py" cpu "$pid")
  put $server idle_window_s "$IDLE_WINDOW"; put $server idle_cpu_s "$(python3 -c "print('%.1f' % ($c1 - $c0))")"
  memory $server settled
  check $server check_full
  if [ $server = mailroom ]; then put $server queued_at_end "$(count mrqueue "$path")"; else put $server queued_at_end "$(count tree "$path")"; fi
  # Delivery attempts that ended deferred, as each server logged them (first attempts + retries).
  if [ $server = mailroom ]; then put $server deferrals_logged "$(grep -c 'event=deferred' "$B/mr/mailroom.log" || true)"
  else put $server deferrals_logged "$(grep -c 'status=deferred' "$B/postfix/maillog" || true)"; fi
  log "deferred $server: $(grep -P "^$server\t" "$B/deferred.tsv" | cut -f2,3 | tr '\t\n' '= ')"
}
MR_ALIVE=-; MR_OOM=-; MR_HEAP_MAX=-
if [ "$DEFERRED" = 1 ]; then
  deferred mailroom
  MR_OOM=$(grep -c 'OutOfMemoryError' "$B/mr/mailroom.log" || true)
  MR_HEAP_MAX=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$B/mr/gc.log" | sed 's/M->.*//' | sort -n | tail -1)
  kill -0 "$MR_PID" 2>/dev/null && MR_ALIVE=yes || MR_ALIVE=no
  # Mailroom retries its 100,000 messages in the background: stop it before Postfix is measured.
  stop_mailroom
  deferred postfix
fi

# --- report -------------------------------------------------------------------------------------------------
mkdir -p "$here/results"
stamp=$(date +%Y-%m-%d-%H%M)
{
  echo "# Transfer: Mailroom vs Postfix, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Command: \`REPS=$REPS DEFERRED=$DEFERRED DEFERRED_N=$DEFERRED_N WARM=$WARM bench/transfer.sh\` (commit $(git -C "$root" rev-parse --short HEAD))"
  echo
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, $(df -T "$B" | awk 'NR==2{print $2}') on $(df "$B" | awk 'NR==2{print $1}'); $(. /etc/os-release; echo "$PRETTY_NAME"); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Mailroom: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), $MR_JAVA_OPTS, trusted listener (no AUTH, no TLS), [local] delivery = maildir, [delivery.routes] to the sink, 20 delivery workers, fsync + group commit before 250, Maildir fsync (file + new/)"
  echo "Postfix: $(postconf -d mail_version | cut -d' ' -f3), mynetworks listener, virtual(8) to Maildir, transport map to the sink, in_flow_delay=1s, durable queue, fsync as shipped"
  echo "Mailroom heap: peak before GC ${MR_HEAP_PEAK:-?} MB during the matrix, ${MR_HEAP_MAX:-?} MB in the whole run; OutOfMemoryError: matrix $MR_OOM_MATRIX, whole run $MR_OOM; alive after the deferred phase: $MR_ALIVE"
  echo
  python3 "$here/transfer_report.py" "$B/raw.tsv" "$B/deferred.tsv"
} | tee "$here/results/transfer-$stamp.md"
cp "$B/raw.tsv" "$here/results/transfer-$stamp.tsv"
cp "$B/deferred.tsv" "$here/results/transfer-$stamp.deferred.tsv"
log "wrote bench/results/transfer-$stamp.md"
