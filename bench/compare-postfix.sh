#!/usr/bin/env bash
# Mailroom beside Postfix under Postfix's own load generator (issue 5): smtp-source against Mailroom's trusted
# listener and Postfix's smtpd, both with durable queues (fsync before 250) relaying to smtp-sink, in alternation
# in one run: 1 KiB and 100 KiB messages, 1/10/50/200 concurrent sessions.
#
#   bench/setup.sh                       # once, as root: postfix (smtp-source, smtp-sink), tcpdump, ...
#   bench/compare-postfix.sh             # the full matrix, REPS=3 repetitions (~12 min)
#   REPS=1 SIZES=1k SESSIONS="50 200" bench/compare-postfix.sh   # a subset
#   N_SCALE=0.2 bench/compare-postfix.sh # fewer messages per measurement (a quick look, not for the README)
#
# Per shape and repetition it measures messages per second (accepted / smtp-source's wall time), end to end
# (until the sink has them all), p50/p99 of the DATA reply latency read off the wire (tcpdump on lo, see
# eod_latency.py), peak memory (RSS of Mailroom's JVM; RSS and PSS summed over Postfix's processes) and the
# server's and smtp-source's CPU per message. The order alternates per repetition (Mailroom first, then Postfix first) so neither
# always runs on the warmer machine. Everything listens on 127.0.0.1 only and is stopped on exit.
# Ports: Mailroom 12587 (STARTTLS, idle here) / 12588 (trusted, measured); Postfix 13587 (measured) / 13588;
# smtp-sink 12025 (Mailroom's relay) / 12026 (Postfix's).
# Results: $BENCH_DIR/raw.tsv, a Markdown table printed and written to bench/results/compare-<date>.md (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
B="${BENCH_DIR:-/tmp/bench-compare}"
REPS="${REPS:-3}"
SIZES="${SIZES:-1k 100k}"
SESSIONS="${SESSIONS:-1 10 50 200}"
N_SCALE="${N_SCALE:-1}"
WARM="${WARM:-20000}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MR_JAVA_OPTS="${MR_JAVA_OPTS:--Xmx256m}"
# Postfix serves at most default_process_limit sessions at once (100 by default): raised so that 200 sessions
# each get an smtpd, as an administrator expecting that many clients would configure it.
export PF_PROCESS_LIMIT="${PF_PROCESS_LIMIT:-250}"
. "$here/lib.sh"
MR_SUB=12587; MR_TRUST=12588; PF_PLAIN=13587; PF_AUTH=13588; SINK_MR=12025; SINK_PF=12026
CLIENT_TIMEOUT=600
DRAIN_TIMEOUT=180

# Messages per measurement: 3 to 30 s of Postfix's time per shape, and p99 resting on at least 300 replies.
messages() { # size sessions
  local n
  case "$1:$2" in
    1k:1) n=800 ;; 1k:10) n=3000 ;; 1k:50) n=6000 ;; 1k:200) n=8000 ;;
    100k:1) n=300 ;; 100k:10) n=1000 ;; 100k:50) n=1500 ;; 100k:200) n=2000 ;;
    *) n=2000 ;;
  esac
  python3 -c "print(max(int($n * $N_SCALE), $2))"
}

for cmd in smtp-source smtp-sink postfix tcpdump; do
  command -v $cmd >/dev/null || { echo "compare-postfix.sh: $cmd missing: run bench/setup.sh" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "compare-postfix.sh: needs root (Postfix's own instance, tcpdump on lo)" >&2; exit 1; }
require_free_ports $MR_SUB $MR_TRUST $PF_PLAIN $PF_AUTH $SINK_MR $SINK_PF
bench_init
build_mailroom
start_sink $SINK_MR mailroom; start_sink $SINK_PF postfix
start_mailroom $MR_SUB $MR_TRUST $SINK_MR
start_postfix $PF_PLAIN $PF_AUTH $SINK_PF
log "Mailroom pid $MR_PID, Postfix master pid $PF_PID (default_process_limit $PF_PROCESS_LIMIT)"

printf 'server\tsize\tsessions\trep\tok\tfailed\twall_s\tmsg_s\te2e_msg_s\tp50_ms\tp99_ms\tlatency_samples\tserver_cpu_s\tpeak_rss_mb\tpeak_pss_mb\tidle_pct\tcapture_dropped\tclient_cpu_s\n' >"$B/raw.tsv"

# Starts tcpdump on the loopback port and waits until it listens. It keeps only the two segments each message's
# latency needs, so that capturing costs next to nothing (a full capture of every data segment took up to a
# quarter of Mailroom's throughput at 200 sessions): the client's segment that ends the data ("\n.\r\n" last, or
# ".\r\n" alone) and the server's reply that starts "250 2.0." (only the DATA reply does: MAIL and RCPT are
# answered 2.1.x, HELO with the host name). --immediate-mode hands every packet over at once: with the default
# block buffering the last packets before the stop were lost.
start_capture() { # port file
  local len='(ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2))'
  local eod="tcp dst port $1 and (($len >= 4 and ip[ip[2:2]-4:4] = 0x0a2e0d0a) or ($len = 3 and ip[ip[2:2]-3:2] = 0x2e0d and ip[ip[2:2]-1] = 0x0a))"
  local reply="tcp src port $1 and $len >= 8 and tcp[((tcp[12]&0xf0)>>2):4] = 0x32353020 and tcp[((tcp[12]&0xf0)>>2)+4:4] = 0x322e302e"
  tcpdump -i lo -n --immediate-mode -s 128 -B 32768 -w "$2" "tcp port $1 and (($eod) or ($reply))" 2>"$2.err" &
  CAPTURE_PID=$!
  for _ in $(seq 1 100); do grep -q 'listening on' "$2.err" 2>/dev/null && return 0; sleep 0.05; done
  echo "compare-postfix.sh: tcpdump did not start: $(cat "$2.err")" >&2; exit 1
}
stop_capture() { # file -> prints the kernel's drop count
  sleep 0.3
  kill -INT "$CAPTURE_PID" 2>/dev/null; wait "$CAPTURE_PID" 2>/dev/null || true
  for _ in $(seq 1 40); do grep -q 'dropped by kernel' "$1.err" && break; sleep 0.05; done # its last words
  grep -o '[0-9]* packets dropped by kernel' "$1.err" | cut -d' ' -f1 || echo "?"
}

measure() { # server size sessions rep
  local server=$1 size=$2 sessions=$3 rep=$4 bytes port pid n out rc=0
  case $size in 1k) bytes=1024 ;; 100k) bytes=102400 ;; esac
  case $server in mailroom) port=$MR_TRUST; pid=$MR_PID ;; postfix) port=$PF_PLAIN; pid=$PF_PID ;; esac
  n=$(messages "$size" "$sessions")
  out="$B/runs/$server.$size.$sessions.$rep"
  local idle; idle=$(wait_quiet)
  local base; base=$(sink_count $server); base=${base:-0}
  local cpu0; cpu0=$(python3 "$here/procwatch.py" cpu "$pid")
  python3 "$here/procwatch.py" watch "$pid" "$out.mem" & local wpid=$!; pids+=($wpid)
  start_capture "$port" "$out.pcap"
  local t0 t1 t2=""; t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$out.time" timeout $CLIENT_TIMEOUT smtp-source -M HELO -l $bytes -m $n -s $sessions -r 1 -f "$USER_NAME" \
    -t rcpt@example.test 127.0.0.1:$port >"$out.out" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  local got deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
  while :; do
    got=$(sink_count $server); got=${got:-0}
    if [ $((got - base)) -ge "$n" ]; then t2=$(date +%s.%N); break; fi
    [ "$(date +%s)" -ge $deadline ] && break
    sleep 0.02
  done
  local cpu1; cpu1=$(python3 "$here/procwatch.py" cpu "$pid")
  local dropped; dropped=$(stop_capture "$out.pcap")
  kill "$wpid"; wait "$wpid" 2>/dev/null || true
  local rss="-" pss="-"; read -r rss pss <"$out.mem" || true
  local ok failed
  # smtp-source stops at the first non-2xx reply: then only what reached the sink counts as accepted
  if [ $rc -eq 0 ]; then ok=$n; failed=0; else ok=$((got - base)); failed=$((n - ok)); fi
  local lat; lat=$(python3 "$here/eod_latency.py" "$out.pcap" "$port")
  rm -f "$out.pcap"
  local samples p50 p99
  samples=$(sed 's/.*count=\([0-9]*\).*/\1/' <<<"$lat"); p50=$(sed 's/.*p50_ms=\([0-9.na]*\).*/\1/' <<<"$lat")
  p99=$(sed 's/.*p99_ms=\([0-9.na]*\).*/\1/' <<<"$lat")
  local ccpu; ccpu=$(awk '{printf "%.2f", $1 + $2}' "$out.time" 2>/dev/null || echo -)
  local row
  row=$(python3 - "$t0" "$t1" "${t2:-0}" "$ok" "$n" "$cpu0" "$cpu1" <<'PY'
import sys
t0, t1, t2, ok, n, c0, c1 = (float(x) for x in sys.argv[1:])
wall = t1 - t0
e2e = "%.1f" % (n / (t2 - t0)) if t2 > 0 else "-"
print("%.3f\t%.1f\t%s\t%.2f" % (wall, ok / wall, e2e, c1 - c0))
PY
)
  local wall msgs e2e scpu; IFS=$'\t' read -r wall msgs e2e scpu <<<"$row"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$size" "$sessions" "$rep" \
    "$ok" "$failed" "$wall" "$msgs" "$e2e" "$p50" "$p99" "$samples" "$scpu" "$rss" "$pss" "$idle" "$dropped" "$ccpu" >>"$B/raw.tsv"
  log "$server $size s=$sessions rep=$rep: ok=$ok failed=$failed $msgs msg/s (e2e $e2e) p50/p99 $p50/$p99 ms ($samples replies, $dropped dropped), cpu ${scpu}s (client ${ccpu}s), rss/pss $rss/$pss MB, idle before $idle%"
  [ "$failed" = 0 ] || log "  failures: $(head -c 300 "$out.out" | tr '\n' ' ')"
}

# --- warm-up, not recorded: the same load for both — $WARM messages of 1 KiB over 50 sessions, then one pass over
# every shape of the matrix — so that each shape is measured in the steady state a server reaches in its days of
# running (the JIT's compiled code for Mailroom, full process pools and caches for Postfix; a 200-session shape
# measured cold came out a quarter slower for Mailroom), then both queues drained so that no backlog is relayed
# during a measurement.
log "warm-up: $WARM messages of 1 KiB over 50 sessions per server, then every shape once"
for port in $MR_TRUST $PF_PLAIN; do
  timeout 900 smtp-source -M HELO -l 1024 -m "$WARM" -s 50 -r 1 -f "$USER_NAME" -t rcpt@example.test 127.0.0.1:$port
  for size in $SIZES; do for s in $SESSIONS; do
    [ $size = 1k ] && bytes=1024 || bytes=102400
    timeout 900 smtp-source -M HELO -l $bytes -m "$(messages $size $s)" -s $s -r 1 -f "$USER_NAME" \
      -t rcpt@example.test 127.0.0.1:$port
  done; done
done
wait_drained mailroom; wait_drained postfix

for rep in $(seq 1 "$REPS"); do
  for size in $SIZES; do for s in $SESSIONS; do
    if [ $((rep % 2)) = 1 ]; then order="mailroom postfix"; else order="postfix mailroom"; fi
    for server in $order; do measure $server "$size" "$s" "$rep"; done
  done; done
done

HEAP_LINE=$(mailroom_heap_line)
mkdir -p "$here/results"
stamp=$(date +%Y-%m-%d-%H%M)
{
  echo "# Mailroom vs Postfix under smtp-source, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Command: \`REPS=$REPS SIZES=\"$SIZES\" SESSIONS=\"$SESSIONS\" N_SCALE=$N_SCALE WARM=$WARM bench/compare-postfix.sh\` (commit $(git -C "$root" rev-parse --short HEAD))"
  echo
  machine_line
  echo "Mailroom: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), $MR_JAVA_OPTS, trusted listener (no AUTH), relay concurrency 20, fsync + group commit before 250"
  echo "Postfix: $(postconf -d mail_version | cut -d' ' -f3), durable queue (fsync before 250), in_flow_delay=1s, default_process_limit=$PF_PROCESS_LIMIT, relay concurrency 20"
  echo "Load: smtp-source -M HELO -l SIZE -m N -s SESSIONS -r 1 (one message per connection); latency from tcpdump on lo"
  echo "$HEAP_LINE"
  echo
  python3 "$here/compare_report.py" "$B/raw.tsv"
} | tee "$here/results/compare-$stamp.md"
cp "$B/raw.tsv" "$here/results/compare-$stamp.tsv"
log "wrote bench/results/compare-$stamp.md"
