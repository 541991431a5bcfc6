#!/usr/bin/env bash
# A private Postfix instance for the benchmark, on loopback only, configured as bench-anchors.md describes:
#   - 127.0.0.1:${PF_PLAIN_PORT:-11587}: no AUTH; relay only to example.test (reject_unauth_destination)
#   - 127.0.0.1:${PF_AUTH_PORT:-11588}:  STARTTLS offered (self-signed), AUTH PLAIN/LOGIN via Cyrus sasldb,
#                                        permit_sasl_authenticated, reject; AUTH only after STARTTLS
#   - relay through the transport map example.test -> smtp:[127.0.0.1]:${PF_SINK_PORT:-10026} (smtp-sink)
#   - durable queue unchanged (fsync before 250), in_flow_delay = 1s, relay concurrency 20, no DNS;
#     default_process_limit = ${PF_PROCESS_LIMIT:-100} (Postfix's default).
# Config, queue and data live under ${PF_DIR:-/tmp/bench/postfix}; the system Postfix (/etc/postfix) is not
# touched and nothing listens on port 25.
#
# Usage: bench/postfix.sh start [USER PASSWORD]   (user e.g. sender@example.test)
#        bench/postfix.sh stop | status | pid
set -euo pipefail
PF_DIR="${PF_DIR:-/tmp/bench/postfix}"
PLAIN_PORT="${PF_PLAIN_PORT:-11587}"
AUTH_PORT="${PF_AUTH_PORT:-11588}"
SINK_PORT="${PF_SINK_PORT:-10026}"
IN_FLOW_DELAY="${PF_IN_FLOW_DELAY:-1s}"
# Postfix's default is 100 processes per service; compare-postfix.sh raises it so that every session of its
# largest shape gets its own smtpd, as an administrator expecting that many concurrent clients would.
PROCESS_LIMIT="${PF_PROCESS_LIMIT:-100}"
etc="$PF_DIR/etc"

stop() {
  if [ -f "$etc/main.cf" ]; then
    postfix -c "$etc" stop >/dev/null 2>&1 || true
    # master waits for its children; give it a bounded time, then kill only the pid from our pid file
    for _ in $(seq 1 50); do
      [ -f "$PF_DIR/spool/pid/master.pid" ] || break
      pid=$(tr -d ' ' < "$PF_DIR/spool/pid/master.pid" 2>/dev/null) || true
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    pid=$(tr -d ' ' < "$PF_DIR/spool/pid/master.pid" 2>/dev/null) || true
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
}

case "${1:-}" in
stop) stop; exit 0 ;;
status) postfix -c "$etc" status; exit $? ;;
pid) tr -d ' ' < "$PF_DIR/spool/pid/master.pid"; exit 0 ;;
start) ;;
*) echo "usage: $0 start [USER PASSWORD] | stop | status | pid" >&2; exit 2 ;;
esac

user="${2:-sender@example.test}"
password="${3:-bench-password}"
stop
rm -rf "$PF_DIR"
mkdir -p "$etc/sasl" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/sasldb"
chown postfix:postfix "$PF_DIR/data"

# Self-signed certificate (like Mailroom's: the load client accepts it).
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=postfix.bench.test" \
  -keyout "$etc/key.pem" -out "$etc/cert.pem" >/dev/null 2>&1
chmod 600 "$etc/key.pem"

# Cyrus SASL: sasldb with the plaintext secret (as in the anchors: AUTH is nearly free for Postfix).
cat > "$etc/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF_DIR/sasldb/sasldb2
CONF
local_part="${user%@*}"; realm="${user#*@}"
printf '%s' "$password" | saslpasswd2 -p -f "$PF_DIR/sasldb/sasldb2" -c -u "$realm" "$local_part"
chown postfix:postfix "$PF_DIR/sasldb/sasldb2"; chmod 640 "$PF_DIR/sasldb/sasldb2"

cat > "$etc/main.cf" <<CONF
compatibility_level = 3.6
config_directory = $etc
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.test
transport_maps = inline:{ example.test=smtp:[127.0.0.1]:$SINK_PORT }
local_transport = error:no local delivery
alias_maps =
alias_database =
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
in_flow_delay = $IN_FLOW_DELAY
default_process_limit = $PROCESS_LIMIT
cyrus_sasl_config_path = $etc/sasl
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_tls_cert_file = $etc/cert.pem
smtpd_tls_key_file = $etc/key.pem
smtpd_tls_security_level = none
maillog_file_prefixes = /var, /dev/stdout, $PF_DIR
maillog_file = $PF_DIR/maillog
biff = no
CONF

# master.cf: the Debian defaults for the internal services, without chroot (paths are outside any jail),
# plus the two listeners. No "smtp inet" line: nothing on port 25.
cat > "$etc/master.cf" <<CONF
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd
  -o syslog_name=postfix/plain
127.0.0.1:$AUTH_PORT inet n - n - - smtpd
  -o syslog_name=postfix/auth
  -o smtpd_tls_security_level=may
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

postfix -c "$etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$etc" check
postfix -c "$etc" start
for _ in $(seq 1 50); do
  if (exec 3<>/dev/tcp/127.0.0.1/$AUTH_PORT) 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "postfix.sh: Postfix did not start listening on $AUTH_PORT (see $PF_DIR/maillog)" >&2
exit 1
