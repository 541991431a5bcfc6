#!/usr/bin/env bash
# What an idle session costs Mailroom: opens N sessions (EHLO, then idle) and reads the server's heap after a
# full GC, its RSS and its OS thread count, before and while they are open.  Loopback only; bounded.
#   bench/idle.sh [N]      (default 5000; at most 20000)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/.." && pwd)"
n="${1:-5000}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
W=/tmp/bench-idle; rm -rf "$W"; mkdir -p "$W"
mr=""; cl=""
cleanup() { set +e; [ -n "$cl" ] && kill "$cl" 2>/dev/null; [ -n "$mr" ] && kill "$mr" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT; trap 'exit 130' INT TERM
cat >"$W/mailroom.toml" <<TOML
hostname = "mail.example.test"
data_dir = "$W/data"
[[listener]]
name = "trusted"
listen = "127.0.0.1:10798"
tls = "none"
trusted_networks = ["127.0.0.0/8"]
[limits]
max_connections = 20000
max_connections_per_client = 20000
# every load client is on loopback: limits high enough never to refuse, so their cost is still measured
max_connection_rate_per_client = 1000000
[relay]
port = 10799
TOML
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
"$JAVA_HOME/bin/java" -Xmx256m -jar "$root/target/mailroom.jar" run --config "$W/mailroom.toml" >"$W/mailroom.log" 2>&1 &
mr=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/10798) 2>/dev/null && break; sleep 0.1; done
heap() { "$JAVA_HOME/bin/jcmd" "$mr" GC.run >/dev/null; sleep 1; "$JAVA_HOME/bin/jcmd" "$mr" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$mr/status"; }
threads() { ls "/proc/$mr/task" | wc -l; }
h0=$(heap); r0=$(rss); t0=$(threads)
"$JAVA_HOME/bin/java" "$here/IdleSessions.java" 10798 "$n" 30 &
cl=$!
sleep 20
h1=$(heap); r1=$(rss); t1=$(threads)
echo "| idle sessions | heap after GC (KiB) | RSS (KiB) | OS threads |"
echo "|---|---|---|---|"
echo "| 0 | $h0 | $r0 | $t0 |"
echo "| $n | $h1 | $r1 | $t1 |"
echo "heap per idle session: $(( (h1 - h0) / n )) KiB"
