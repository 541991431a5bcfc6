#!/usr/bin/env bash
# A private Postfix instance for bench/transfer.sh (the transfer side: final delivery and relaying), loopback only:
#   - 127.0.0.1:${PF_PLAIN_PORT:-13587}: no AUTH, mynetworks = 127.0.0.0/8 (like Mailroom's trusted listener)
#   - local.test delivered by virtual(8) to Maildir: rcpt@local.test -> $PF_DIR/vmail/local.test/rcpt/new/
#     (virtual_mailbox_base + a map entry ending in "/", owner nobody); fsync as shipped
#   - remote.test relayed through the transport map to smtp:[127.0.0.1]:${PF_SINK_PORT:-12026} (smtp-sink)
#   - deferred.test relayed to smtp:[127.0.0.1]:${PF_DEAD_PORT:-12099}, where nothing listens (every message is
#     deferred: "connection refused")
#   - durable queue unchanged, in_flow_delay = 1s, no DNS, no port 25. Everything else as shipped (Postfix's
#     defaults: 20 parallel deliveries per destination, minimal_backoff_time 300s, qmgr_message_active_limit 20000).
# Config, queue and mailboxes live under ${PF_DIR:-/tmp/bench3/postfix}; the system Postfix is not touched.
#
# Usage: bench/postfix-transfer.sh start | stop | pid | maildir
set -euo pipefail
PF_DIR="${PF_DIR:-/tmp/bench3/postfix}"
PLAIN_PORT="${PF_PLAIN_PORT:-13587}"
SINK_PORT="${PF_SINK_PORT:-12026}"
DEAD_PORT="${PF_DEAD_PORT:-12099}"
IN_FLOW_DELAY="${PF_IN_FLOW_DELAY:-1s}"
etc="$PF_DIR/etc"

stop() {
  if [ -f "$etc/main.cf" ]; then
    postfix -c "$etc" stop >/dev/null 2>&1 || true
    # master waits for its children; give it a bounded time, then kill only the pid from our pid file
    for _ in $(seq 1 100); do
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
pid) tr -d ' ' < "$PF_DIR/spool/pid/master.pid"; exit 0 ;;
maildir) echo "$PF_DIR/vmail/local.test/rcpt"; exit 0 ;;
start) ;;
*) echo "usage: $0 start | stop | pid | maildir" >&2; exit 2 ;;
esac

stop
rm -rf "$PF_DIR"
mkdir -p "$etc" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/vmail"
chown postfix:postfix "$PF_DIR/data"
chown nobody:nogroup "$PF_DIR/vmail"

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
virtual_mailbox_domains = local.test
virtual_mailbox_base = $PF_DIR/vmail
virtual_mailbox_maps = inline:{ rcpt@local.test=local.test/rcpt/, sender@local.test=local.test/sender/ }
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
relay_domains = remote.test, deferred.test
transport_maps = inline:{ remote.test=smtp:[127.0.0.1]:$SINK_PORT, deferred.test=smtp:[127.0.0.1]:$DEAD_PORT }
local_transport = error:no local delivery
alias_maps =
alias_database =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
in_flow_delay = $IN_FLOW_DELAY
maillog_file_prefixes = /var, /dev/stdout, $PF_DIR
maillog_file = $PF_DIR/maillog
biff = no
CONF

# master.cf: the Debian defaults for the internal services, without chroot (paths are outside any jail),
# plus the one listener. No "smtp inet" line: nothing on port 25.
cat > "$etc/master.cf" <<CONF
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd
  -o syslog_name=postfix/plain
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
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

postfix -c "$etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$etc" check
postfix -c "$etc" start
for _ in $(seq 1 50); do
  if (exec 3<>/dev/tcp/127.0.0.1/$PLAIN_PORT) 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "postfix-transfer.sh: Postfix did not start listening on $PLAIN_PORT (see $PF_DIR/maillog)" >&2
exit 1
