#!/usr/bin/env bash
# Profiles Mailroom under one load shape with JFR and prints the hottest methods, plus the CPU of each group of
# JVM threads (sessions, JIT compiler, GC) during the recording (bench/threadcpu.py).
#   [WARM=30000] bench/profile.sh [auth-1|auth-50|smtp-source] [MESSAGES] [SESSIONS]   (default auth-1 3000 50, 1 KiB)
# WARM: messages sent before recording (see the warm-up in run.sh for why it is large).
# Starts its own smtp-sink (127.0.0.1:10035) and Mailroom (127.0.0.1:10597 STARTTLS / 10598 trusted), stops both
# on exit. Recording: /tmp/bench-profile/mailroom.jfr; views: /tmp/bench-profile/*.txt
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/.." && pwd)"
shape="${1:-auth-1}"; n="${2:-3000}"; sessions="${3:-50}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
P=/tmp/bench-profile; B=$P; MR_JAVA_OPTS="${MR_JAVA_OPTS:--Xmx256m}"
. "$here/lib.sh"   # the same Mailroom set-up as run.sh and compare-postfix.sh
bench_init
start_sink 10035 profile
start_mailroom 10597 10598 10035
mr=$MR_PID
gcc -O2 -pthread -o "$P/authload" "$here/authload.c" -lssl -lcrypto
load() {
  case $shape in
    smtp-source) timeout 600 smtp-source -M HELO -l 1024 -m "$1" -s "$sessions" -r 1 -f sender@example.test -t rcpt@example.test 127.0.0.1:10598 ;;
    auth-1|auth-50) timeout 900 "$P/authload" --port 10597 --max-seconds 880 --sessions "$sessions" --messages "$1" \
                      --per-login "${shape#auth-}" --size 1024 ;;
  esac
}
load "${WARM:-30000}" >/dev/null                       # warm-up, not recorded
python3 "$here/threadcpu.py" "$mr" >"$P/threads-before.json"
"$JAVA_HOME/bin/jcmd" "$mr" JFR.start name=bench settings=profile filename="$P/mailroom.jfr" >/dev/null
load "$n" | tee "$P/load.txt"
"$JAVA_HOME/bin/jcmd" "$mr" JFR.stop name=bench >/dev/null
python3 "$here/threadcpu.py" "$mr" "$P/threads-before.json" | tee "$P/threads.txt"
J="$JAVA_HOME/bin/jfr"
$J view --width 220 hot-methods "$P/mailroom.jfr" >"$P/hot-methods.txt" 2>&1 || true
$J print --events jdk.ExecutionSample "$P/mailroom.jfr" >"$P/samples.txt" 2>&1 || true
# Attribute samples to the first frame of interest under each top frame (package-level buckets).
python3 - "$P/samples.txt" >"$P/buckets.txt" <<'PY'
import re, sys, collections
text = open(sys.argv[1]).read()
stacks = re.findall(r"stackTrace = \[(.*?)\n\s*\]", text, re.S)
c = collections.Counter()
for s in stacks:
    frames = [l.strip() for l in s.strip().splitlines() if l.strip() and not l.strip().startswith("...")]
    tag = "other"
    joined = " ".join(frames)
    for key, name in [("Argon2", "Argon2 (password hash)"), ("HandshakeContext", "TLS handshake"),
                      ("SSLSocketImpl.startHandshake", "TLS handshake"), ("ECDH", "TLS handshake"),
                      ("SSLCipher", "TLS record crypto"), ("FileChannelImpl.force", "fsync"), ("force0", "fsync"),
                      ("SmartHostDelivery", "relay"), ("SmarthostDelivery", "relay"), ("SmtpClient", "relay"),
                      ("SpoolWriter", "spool write"), ("FileSpool", "spool"), ("SmtpInput", "SMTP input parsing"),
                      ("HeaderSection", "header parsing"), ("SmtpSession", "SMTP session other")]:
        if key in joined:
            tag = name
            break
    c[tag] += 1
total = sum(c.values()) or 1
print("samples: %d" % total)
for k, v in c.most_common():
    print("%5.1f%%  %s" % (100.0 * v / total, k))
PY
echo "--- buckets (first match in stack order of the list in profile.sh)"; cat "$P/buckets.txt"
echo "--- hot methods"; head -30 "$P/hot-methods.txt"
