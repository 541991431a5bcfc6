#!/usr/bin/env bash
# The cost of DKIM signing (issue 4): one Mailroom, three sender domains side by side in one run —
# none.test (no key: unsigned), rsa.test (RSA-2048) and ed.test (Ed25519) — driven by Postfix's smtp-source
# at 1 KiB and 50 sessions against the trusted submission listener (a submission listener: it signs), relaying
# to smtp-sink. The shapes alternate within each repetition, so the machine's drift hits all three alike.
#
#   bench/setup.sh        # once: postfix (smtp-source, smtp-sink)
#   bench/dkim.sh         # REPS=5 N=4000 WARM=15000 by default
#
# Prints msg/s (median, min-max), server CPU ms/msg and the ratio to unsigned; checks in Mailroom's log that
# every message of a signing shape was signed (event=dkim-signed) and none of the unsigned one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
B="${BENCH_DIR:-/tmp/bench-dkim}"
REPS="${REPS:-5}"; N="${N:-4000}"; WARM="${WARM:-15000}"; SESSIONS="${SESSIONS:-50}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MR_PORT=10688; SINK_PORT=10625
command -v smtp-source >/dev/null || { echo "dkim.sh: smtp-source missing: run bench/setup.sh" >&2; exit 1; }
for p in $MR_PORT $SINK_PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "dkim.sh: port $p already in use" >&2; exit 1; fi
done
pids=(); MR_PID=""
cleanup() {
  set +e
  [ -n "$MR_PID" ] && kill "$MR_PID" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$MR_PID" 2>/dev/null || break; sleep 0.1; done
  [ -n "$MR_PID" ] && kill -9 "$MR_PID" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
rm -rf "$B"; mkdir -p "$B/data"

log "building Mailroom"
(cd "$root" && ./mvnw -q -B -o -DskipTests package >"$B/build.log" 2>&1) || { cat "$B/build.log" >&2; exit 1; }
smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1000 >"$B/sink.out" 2>&1 & pids+=($!)

cat >"$B/mailroom.toml" <<TOML
hostname = "mail.example.test"
data_dir = "$B/data"
[domains]
default = "example.test"
local = ["example.test"]
[[listener]]
name = "trusted"
listen = "127.0.0.1:$MR_PORT"
tls = "none"
trusted_networks = ["127.0.0.0/8"]
[limits]
max_connections_per_client = 1000
max_connections = 5000
max_connection_rate_per_client = 1000000   # the bench opens thousands of connections a minute from one address
[relay]
host = "127.0.0.1"
port = $SINK_PORT
tls = "none"
concurrency = 20
[dkim]
canonicalization = "relaxed/relaxed"
[[dkim.key]]
domain = "rsa.test"
selector = "bench"
algorithm = "rsa"
private_key = "$B/data/dkim/rsa.test/bench.key"
[[dkim.key]]
domain = "ed.test"
selector = "bench"
algorithm = "ed25519"
private_key = "$B/data/dkim/ed.test/bench.key"
TOML
"$root/mailroom" dkim keygen rsa.test --selector bench --algorithm rsa --config "$B/mailroom.toml" >"$B/rsa.txt"
"$root/mailroom" dkim keygen ed.test --selector bench --algorithm ed25519 --config "$B/mailroom.toml" >"$B/ed.txt"
"$JAVA_HOME/bin/java" ${MR_JAVA_OPTS:--Xmx256m} -jar "$root/target/mailroom.jar" run --config "$B/mailroom.toml" \
  >"$B/mailroom.log" 2>&1 &
MR_PID=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$MR_PORT) 2>/dev/null && break; sleep 0.1; done
(exec 3<>/dev/tcp/127.0.0.1/$MR_PORT) 2>/dev/null || { cat "$B/mailroom.log" >&2; exit 1; }

cpu_s() { python3 "$here/procwatch.py" cpu "$MR_PID"; }
sink_count() { tr '\r' '\n' <"$B/sink.out" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || true; }
drain() { # waits until the sink has every message sent so far (at most 120 s)
  local want=$1
  for _ in $(seq 1 1200); do [ "$(sink_count)" -ge "$want" ] 2>/dev/null && return 0; sleep 0.1; done
  log "drain: sink has $(sink_count) of $want"; return 1
}
sent=0
source_run() { # domain count -> prints wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  timeout 600 smtp-source -M HELO -l 1024 -m "$2" -s "$SESSIONS" -r 1 -f "sender@$1" -t rcpt@example.test \
    "127.0.0.1:$MR_PORT" >/dev/null
  t1=$(date +%s.%N)
  sent=$((sent + $2))
  python3 -c "print('%.3f' % ($t1 - $t0))"
}

log "warm-up: $WARM messages per domain"
for d in none.test rsa.test ed.test; do source_run $d "$WARM" >/dev/null; done
drain $sent
printf 'shape\trep\tmsg_s\tcpu_ms_per_msg\n' >"$B/raw.tsv"
for rep in $(seq 1 "$REPS"); do
  for shape in none rsa ed25519; do
    case $shape in none) d=none.test ;; rsa) d=rsa.test ;; ed25519) d=ed.test ;; esac
    c0=$(cpu_s)
    wall=$(source_run $d "$N")
    drain $sent
    c1=$(cpu_s)
    rate=$(python3 -c "print('%.1f' % ($N / $wall))")
    cpu=$(python3 -c "print('%.3f' % (($c1 - $c0) * 1000 / $N))")
    printf '%s\t%s\t%s\t%s\n' $shape $rep "$rate" "$cpu" >>"$B/raw.tsv"
    log "$shape rep $rep: $rate msg/s, server CPU $cpu ms/msg (incl. relaying)"
  done
done
signed_rsa=$(grep -c 'event=dkim-signed.*domain=rsa.test' "$B/mailroom.log" || true)
signed_ed=$(grep -c 'event=dkim-signed.*domain=ed.test' "$B/mailroom.log" || true)
signed_none=$(grep -c 'event=dkim-signed.*domain=none.test' "$B/mailroom.log" || true)
want=$((WARM + REPS * N))
python3 - "$B/raw.tsv" "$REPS" "$N" "$SESSIONS" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
by = {}
for r in rows:
    by.setdefault(r['shape'], []).append(r)
base = statistics.median(float(r['msg_s']) for r in by['none'])
print(f"\n| signing | msg/s (median, min-max of {sys.argv[2]}) | ratio to unsigned | server CPU ms/msg (median) |")
print("|---|---|---|---|")
for shape, label in (('none', 'none'), ('rsa', 'RSA-2048 (rsa-sha256)'), ('ed25519', 'Ed25519 (ed25519-sha256)')):
    rates = [float(r['msg_s']) for r in by[shape]]
    cpus = [float(r['cpu_ms_per_msg']) for r in by[shape]]
    m = statistics.median(rates)
    print(f"| {label} | {m:.0f} ({min(rates):.0f}-{max(rates):.0f}) | {m / base:.2f} | {statistics.median(cpus):.2f} |")
print(f"\n{sys.argv[3]} x 1 KiB messages per measurement, {sys.argv[4]} sessions, relaxed/relaxed.")
PY
echo "signed: rsa.test $signed_rsa of $want, ed.test $signed_ed of $want, none.test $signed_none of 0 expected"
[ "$signed_rsa" -eq "$want" ] && [ "$signed_ed" -eq "$want" ] && [ "$signed_none" -eq 0 ] ||
  { echo "dkim.sh: signing count mismatch" >&2; exit 1; }
