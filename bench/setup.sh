#!/usr/bin/env bash
# Installs what the benchmark needs (Debian 12): Postfix (smtp-source, smtp-sink, the comparison server),
# Cyrus SASL (sasldb for Postfix's AUTH listener), openssl (the certificate), procps, gcc + libssl-dev (authload.c),
# tcpdump (compare-postfix.sh reads the reply latency off the wire).
# Idempotent: does nothing when everything is already there. Needs root.
set -euo pipefail
need=()
for cmd in postfix:postfix smtp-source:postfix smtp-sink:postfix saslpasswd2:sasl2-bin openssl:openssl ps:procps gcc:gcc tcpdump:tcpdump; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || need+=("${cmd##*:}")
done
[ -e /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
[ -e /usr/lib/x86_64-linux-gnu/sasl2/libplain.so ] || [ -n "$(ls /usr/lib/*/sasl2/libplain.so* 2>/dev/null)" ] || need+=(libsasl2-modules)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup: everything present"
else
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string bench.example.test" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq postfix libsasl2-modules sasl2-bin openssl procps gcc libssl-dev tcpdump >/dev/null
fi
# The package may start the system Postfix (it listens on port 25 when configured): the bench runs its own
# private instance, so make sure the system one is stopped.
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
  postfix stop >/dev/null 2>&1 || true
fi
# smtp-source and smtp-sink live in /usr/sbin on Debian.
command -v smtp-source >/dev/null || { echo "setup: smtp-source missing" >&2; exit 1; }
postconf -d mail_version 2>/dev/null | sed 's/^/setup: postfix /'
