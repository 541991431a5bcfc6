#!/usr/bin/env bash
# Side-by-side submission benchmark: Mailroom vs a private Postfix, both relaying to Postfix's smtp-sink.
#
#   bench/setup.sh            # once: installs postfix (smtp-source, smtp-sink), sasl2-bin
#   bench/run.sh              # full matrix, 1 repetition;   REPS=3 bench/run.sh for medians of 3
#   QUICK=1 bench/run.sh      # only the goal shapes (1 KiB, 50 sessions)
#   LOADGEN=python bench/run.sh   # authenticated load from authload.py instead of authload.c (the default)
#   SHAPES="smtp-source" bench/run.sh   # only these shapes (of: smtp-source auth-1 auth-50 auth-1-tls12)
#
# Everything listens on 127.0.0.1 only; everything started here is stopped on exit (trap), even on failure.
# Ports: Mailroom 10587 (STARTTLS+AUTH) / 10588 (trusted, no AUTH); Postfix 11587 (no AUTH) / 11588
# (STARTTLS+AUTH); smtp-sink 10025 (Mailroom's relay), 10026 (Postfix's relay), 10027 (client ceiling).
# Results: one TSV line per measurement in $BENCH_DIR/raw.tsv, then a Markdown table printed and written to
# bench/results/<date>.md (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
B="${BENCH_DIR:-/tmp/bench}"
REPS="${REPS:-1}"
QUICK="${QUICK:-0}"
# Authenticated load generator: c (bench/authload.c, compiled below) or python (bench/authload.py). Same options
# and output; the C one needs 20-30 % less CPU per message, and on 2 cores the server under test keeps that CPU.
LOADGEN="${LOADGEN:-c}"
SHAPES="${SHAPES:-smtp-source auth-1 auth-50 auth-1-tls12}"
wants() { [[ " $SHAPES " == *" $1 "* ]]; }
wants_auth() { [[ " $SHAPES " == *" auth-"* ]]; }
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
. "$here/lib.sh"
MR_JAVA_OPTS="${MR_JAVA_OPTS:--Xmx256m}"
MR_SUB=10587; MR_TRUST=10588; PF_PLAIN=11587; PF_AUTH=11588
SINK_MR=10025; SINK_PF=10026; SINK_CEIL=10027
N_SRC_1K="${N_SRC_1K:-2000}"; N_SRC_100K="${N_SRC_100K:-500}"
N_AUTH_1K="${N_AUTH_1K:-1000}"; N_AUTH_100K="${N_AUTH_100K:-250}"
CLIENT_TIMEOUT=600          # seconds, per load-client invocation
DRAIN_TIMEOUT=120           # seconds to wait for the sink to receive everything (end to end)

command -v smtp-source >/dev/null || { echo "run.sh: smtp-source missing: run bench/setup.sh" >&2; exit 1; }
require_free_ports $MR_SUB $MR_TRUST $PF_PLAIN $PF_AUTH $SINK_MR $SINK_PF $SINK_CEIL
bench_init

case $LOADGEN in
  c)
    log "compiling authload.c"
    gcc -O2 -Wall -Wextra -pthread -o "$B/authload" "$here/authload.c" -lssl -lcrypto >"$B/authload.build.log" 2>&1 ||
      { cat "$B/authload.build.log" >&2; echo "run.sh: needs gcc and libssl-dev (or LOADGEN=python)" >&2; exit 1; }
    AUTHLOAD=("$B/authload"); LOADGEN_INFO="bench/authload.c (gcc $(gcc -dumpfullversion) -O2)" ;;
  python) AUTHLOAD=(python3 "$here/authload.py"); LOADGEN_INFO="bench/authload.py ($(python3 -V 2>&1))" ;;
  *) echo "run.sh: LOADGEN must be c or python, not '$LOADGEN'" >&2; exit 1 ;;
esac

build_mailroom

start_sink $SINK_MR mailroom; start_sink $SINK_PF postfix; start_sink $SINK_CEIL ceiling

# --- Mailroom and Postfix ---------------------------------------------------------------------------------
start_mailroom $MR_SUB $MR_TRUST $SINK_MR
start_postfix $PF_PLAIN $PF_AUTH $SINK_PF
log "Mailroom pid $MR_PID, Postfix master pid $PF_PID"

# --- one measurement -------------------------------------------------------------------------------------
# measure SERVER SHAPE SIZE SESSIONS REP  -> appends a line to raw.tsv
printf 'server\tshape\tsize\tsessions\trep\tok\tfailed\twall_s\tmsg_s\te2e_msg_s\tp50_ms\tp99_ms\tserver_cpu_s\tpeak_rss_mb\tpeak_pss_mb\tclient_cpu_s\tidle_pct\ttls\n' >"$B/raw.tsv"
measure() {
  local server=$1 shape=$2 size=$3 sessions=$4 rep=$5
  local n port sink pid tls="-" bytes out rc
  case $size in 1k) bytes=1024 ;; 100k) bytes=102400 ;; esac
  case $server in mailroom) sink=mailroom; pid=$MR_PID ;; postfix) sink=postfix; pid=$PF_PID ;; ceiling) sink=ceiling; pid="" ;; esac
  case $shape in
    smtp-source) [ $size = 1k ] && n=$N_SRC_1K || n=$N_SRC_100K
      case $server in mailroom) port=$MR_TRUST ;; postfix) port=$PF_PLAIN ;; ceiling) port=$SINK_CEIL ;; esac ;;
    auth-*) [ $size = 1k ] && n=$N_AUTH_1K || n=$N_AUTH_100K
      case $server in mailroom) port=$MR_SUB ;; postfix) port=$PF_AUTH ;; ceiling) port=$SINK_CEIL ;; esac ;;
  esac
  local idle; idle=$(wait_quiet)
  local base; base=$(sink_count $sink); base=${base:-0}
  local cpu0=0; [ -n "$pid" ] && cpu0=$(python3 "$here/procwatch.py" cpu "$pid")
  local wfile="$B/runs/watch.$$"; rm -f "$wfile"
  local wpid=""
  if [ -n "$pid" ]; then python3 "$here/procwatch.py" watch "$pid" "$wfile" & wpid=$!; pids+=($wpid); fi
  out="$B/runs/$server.$shape.$size.$sessions.$rep.out"
  local t0 t1; t0=$(date +%s.%N)
  rc=0
  case $shape in
    smtp-source)
      /usr/bin/time -f '%U %S' -o "$out.time" timeout $CLIENT_TIMEOUT \
        smtp-source -M HELO -l $bytes -m $n -s $sessions -r 1 -f $USER_NAME -t rcpt@example.test \
        127.0.0.1:$port >"$out" 2>&1 || rc=$?
      ;;
    auth-*)
      local per=1 tv=1.3 ceilopt=()
      [ $shape = auth-50 ] && per=50
      [ $shape = auth-1-tls12 ] && tv=1.2
      [ $server = ceiling ] && { tv=none; ceilopt=(--auth-reply 250); }
      timeout $CLIENT_TIMEOUT "${AUTHLOAD[@]}" --port $port --sessions $sessions --messages $n \
        --size $bytes --per-login $per --tls $tv --user $USER_NAME --password $PASSWORD "${ceilopt[@]}" >"$out" 2>&1 || rc=$?
      ;;
  esac
  t1=$(date +%s.%N)
  # end to end: wait until the sink has every accepted message
  local want=$n
  if [ $shape != smtp-source ]; then want=$(grep -o 'ok=[0-9]*' "$out" | head -1 | cut -d= -f2); want=${want:-0}; fi
  [ "$want" -gt 0 ] || want=1
  local got t2="" deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
  while :; do
    got=$(sink_count $sink); got=${got:-0}
    if [ $((got - base)) -ge $want ]; then t2=$(date +%s.%N); break; fi
    [ "$(date +%s)" -ge $deadline ] && break
    sleep 0.02
  done
  local cpu1=0; [ -n "$pid" ] && cpu1=$(python3 "$here/procwatch.py" cpu "$pid")
  local rss="-" pss="-"
  if [ -n "$wpid" ]; then kill "$wpid"; wait "$wpid" 2>/dev/null || true; read -r rss pss <"$wfile" || true; fi
  local ok failed wall msgs e2e p50="-" p99="-" ccpu
  wall=$(python3 -c "print('%.3f' % ($t1 - $t0))")
  if [ $shape = smtp-source ]; then
    if [ $rc -eq 0 ]; then ok=$n; failed=0; else ok=$((got - base)); failed=$((n - ok)); fi
    msgs=$(python3 -c "print('%.1f' % ($ok / $wall))")
    ccpu=$(awk '{printf "%.2f", $1 + $2}' "$out.time" 2>/dev/null || echo -)
  else
    ok=$(grep -o 'ok=[0-9]*' "$out" | head -1 | cut -d= -f2); ok=${ok:-0}
    failed=$(grep -o 'failed=[0-9]*' "$out" | head -1 | cut -d= -f2); failed=${failed:-$n}
    msgs=$(grep -o 'msg_s=[0-9.]*' "$out" | cut -d= -f2); msgs=${msgs:-0}
    p50=$(grep -o 'eod_p50_ms=[0-9.]*' "$out" | cut -d= -f2); p99=$(grep -o 'eod_p99_ms=[0-9.]*' "$out" | cut -d= -f2)
    tls=$(grep -o 'tls=[A-Za-z0-9.]*' "$out" | cut -d= -f2)
    ccpu=$(grep -o 'cpu_s=[0-9.]*' "$out" | cut -d= -f2)
  fi
  if [ -n "$t2" ]; then e2e=$(python3 -c "print('%.1f' % ($want / ($t2 - $t0)))"); else e2e="-"; fi
  [ $server = ceiling ] && e2e="-"
  local scpu; scpu=$(python3 -c "print('%.2f' % ($cpu1 - $cpu0))")
  [ -z "$pid" ] && scpu="-"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$shape" "$size" \
    "$sessions" "$rep" "$ok" "$failed" "$wall" "$msgs" "$e2e" "${p50:--}" "${p99:--}" "$scpu" "$rss" "$pss" \
    "${ccpu:--}" "$idle" "${tls:--}" >>"$B/raw.tsv"
  log "$server $shape $size s=$sessions rep=$rep: ok=$ok failed=$failed $msgs msg/s (e2e $e2e) p50/p99 ${p50:--}/${p99:--} ms, server cpu ${scpu}s, client cpu ${ccpu}s, idle before ${idle}%"
  [ "$failed" = 0 ] || { log "  failures: $(head -c 300 "$out" | tr '\n' ' ')"; }
}

# --- warm-up, not recorded ---------------------------------------------------------------------------------
# A JVM server reaches its steady state only after the JIT has compiled the per-connection code with C2: code run
# once per connection (the TLS handshake, AUTH, session set-up) gets there after some 10-20 thousand connections.
# Measured here (bench/README.md): after 1,000 connections a fifth of Mailroom's CPU still went to the JIT
# compiler threads, after 30,000 almost none. A server runs for days, so the steady state is what we compare;
# both servers get exactly the same warm-up (for Postfix it fills its process pools and caches).
# WARM scales it (connections of the authenticated shape; smtp-source gets 2/3 of that).
WARM="${WARM:-30000}"
log "warm-up: $WARM authenticated connections + $((WARM * 2 / 3)) smtp-source messages per server"
for srv in mailroom postfix; do
  if [ $srv = mailroom ]; then tp=$MR_TRUST; ap=$MR_SUB; else tp=$PF_PLAIN; ap=$PF_AUTH; fi
  timeout 600 smtp-source -M HELO -l 1024 -m $((WARM * 2 / 3)) -s 50 -r 1 -f $USER_NAME -t rcpt@example.test 127.0.0.1:$tp
  wants_auth || continue
  timeout 900 "${AUTHLOAD[@]}" --port $ap --sessions 50 --messages "$WARM" --size 1024 --max-seconds 880 >/dev/null
  timeout 300 "${AUTHLOAD[@]}" --port $ap --sessions 10 --messages $((WARM / 10)) --size 1024 --tls 1.2 >/dev/null
  timeout 300 "${AUTHLOAD[@]}" --port $ap --sessions 10 --messages 500 --size 102400 --per-login 50 >/dev/null
done
# Both queues must be empty before the first measurement: otherwise relaying the warm-up's backlog would be
# counted in the first runs' CPU and end-to-end rates. Wait until each sink's counter stops moving for 3 s.
wait_drained mailroom; wait_drained postfix
sleep 2

# --- the matrix: for each shape, Mailroom then Postfix ---------------------------------------------------
if [ "$QUICK" = 1 ]; then sizes="1k"; sess="50"; else sizes="1k 100k"; sess="1 10 50"; fi
for rep in $(seq 1 "$REPS"); do
  for size in $sizes; do for s in $sess; do
    wants smtp-source && measure ceiling smtp-source $size $s $rep
    wants auth-1 && measure ceiling auth-1 $size $s $rep
    for shape in smtp-source auth-1 auth-50; do
      wants $shape || continue
      measure mailroom $shape $size $s $rep
      measure postfix $shape $size $s $rep
    done
  done; done
  if wants auth-1-tls12; then
    measure mailroom auth-1-tls12 1k 50 $rep
    measure postfix auth-1-tls12 1k 50 $rep
  fi
done

# --- Mailroom heap --------------------------------------------------------------------------------------
HEAP_LINE=$(mailroom_heap_line)

# --- report ---------------------------------------------------------------------------------------------
mkdir -p "$here/results"
stamp=$(date +%Y-%m-%d-%H%M)
{
  echo "# Mailroom vs Postfix, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Command: \`REPS=$REPS QUICK=$QUICK SHAPES=\"$SHAPES\" WARM=$WARM N_SRC_1K=$N_SRC_1K N_AUTH_1K=$N_AUTH_1K bench/run.sh\` (commit $(git -C "$root" rev-parse --short HEAD))"
  echo
  machine_line
  echo "Mailroom: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), $MR_JAVA_OPTS, Argon2id m=19456 KiB t=2 p=1, auth cache_ttl_seconds=300, relay concurrency 20, fsync + group commit before 250"
  echo "Authenticated load generator: $LOADGEN_INFO, OpenSSL $(openssl version | cut -d' ' -f2)"
  echo "Postfix: $(postconf -d mail_version | cut -d' ' -f3), in_flow_delay=1s, Cyrus sasldb (plaintext secrets), durable queue; OpenSSL $(openssl version | cut -d' ' -f2)"
  echo "$HEAP_LINE"
  echo
  python3 "$here/report.py" "$B/raw.tsv"
} | tee "$here/results/$stamp.md"
cp "$B/raw.tsv" "$here/results/$stamp.tsv"
log "wrote bench/results/$stamp.md"
