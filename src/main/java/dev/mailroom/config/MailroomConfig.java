package dev.mailroom.config;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import dev.mailroom.delivery.Destination;
import dev.mailroom.delivery.RelaySettings;
import dev.mailroom.delivery.RemoteSettings;
import dev.mailroom.dns.TrustAnchors;
import dev.mailroom.quota.QuotaSettings;
import dev.mailroom.dkim.DkimSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The whole configuration, validated. Built only by {@link ConfigLoader}. */
public record MailroomConfig(
        Path source,
        String hostname,
        Path dataDir,
        String defaultDomain,
        Set<String> localDomains,
        Tls tls,
        List<Listener> listeners,
        Policy policy,
        Limits limits,
        Auth auth,
        RelaySettings relay,
        Transfer transfer,
        Delivery delivery,
        Dns dns,
        Local local,
        QuotaSettings quota,
        DkimSettings dkim,
        Admin admin) {

    /**
     * The part of this configuration one process runs when the roles are split over hosts ({@code mailroom run
     * --role}): the submission role keeps only submission listeners and hands every message to the smarthost,
     * which is then the site's MTA (the sendmail submit.cf model, RFC 6409 section 1); the transfer role keeps
     * only transfer listeners and delivers as configured. Without a role, one process does both.
     *
     * @throws ConfigException when no listener of that role is configured
     */
    public MailroomConfig forRole(Role role) throws ConfigException {
        List<Listener> mine = listeners.stream().filter(l -> l.role() == role).toList();
        if (mine.isEmpty()) {
            throw new ConfigException(source.toString(), "listener",
                    "no listener has role = \"" + role.name().toLowerCase(java.util.Locale.ROOT) + "\"");
        }
        if (role == Role.TRANSFER) {
            return new MailroomConfig(source, hostname, dataDir, defaultDomain, localDomains, tls, mine, policy,
                    limits, auth, relay, transfer, delivery, dns, local, quota, dkim, admin);
        }
        Delivery toMta = new Delivery(true, delivery.remote(), Map.of(), delivery.delayNotice(), delivery.doubleBounce(),
                delivery.destinationConcurrency(), delivery.activeLimit(), delivery.secure());
        Local relayed = new Local(LocalMode.RELAY, local.maildirRoot(), local.layout(), local.lmtp(),
                local.aliasesFile(), local.plusSeparators(), local.postmaster(), local.catchAll());
        return new MailroomConfig(source, hostname, dataDir, defaultDomain, localDomains, tls, mine, policy, limits,
                auth, relay, transfer, toMta, dns, relayed, quota, dkim, admin);
    }

    /**
     * The admin HTTP listener ([admin]): /metrics, /health, /ready. Empty when the file has no [admin] table or
     * sets listen = "" (off); otherwise a numeric address, loopback unless the operator chooses otherwise.
     */
    public record Admin(Optional<InetSocketAddress> listen) {
        public static final String DEFAULT_LISTEN = "127.0.0.1:9465";
    }

    /** Certificate and key; both empty means a generated self-signed certificate (embedded default). */
    public record Tls(Optional<Path> certificate, Optional<Path> privateKey, boolean nativeCrypto) {
        public boolean selfSigned() {
            return certificate.isEmpty();
        }
    }

    /**
     * One listener. {@code trustedNetworks} and {@code postmasterWithoutAuth} belong to the submission role,
     * {@code auth} to the transfer role (the submission role always offers AUTH).
     */
    public record Listener(String name, String host, int port, String tls, List<Cidr> trustedNetworks,
                           boolean postmasterWithoutAuth, Role role, boolean auth) {}

    /** What a listener is for (RFC 6409 section 1: submission and transfer are different jobs). */
    public enum Role {
        /** Ports 587/465: new mail from authenticated users (RFC 6409). */
        SUBMISSION,
        /** Port 25: mail from other MTAs for the domains this site serves (RFC 5321). */
        TRANSFER
    }

    /**
     * The transfer role's settings, shared by every transfer listener.
     *
     * @param relayDomains       domains accepted from anyone and forwarded, besides the local domains
     *                           (lower case, A-labels)
     * @param maxReceivedHeaders more Received fields than this in an incoming message: a loop (RFC 5321 6.3)
     * @param relayNetworks      clients allowed to relay to any domain without AUTH
     */
    public record Transfer(Set<String> relayDomains, int maxReceivedHeaders, List<Cidr> relayNetworks) {}

    /**
     * How mail leaves: through the smarthost ({@code [relay]}) or directly to MX hosts, static routes first.
     *
     * @param useSmarthost everything without a static route goes to the smarthost (the embedded default)
     * @param delayNotice  after this long in the queue the sender gets one delay notice (RFC 3461 NOTIFY=DELAY)
     * @param doubleBounce failures of null-sender messages are reported to [local] postmaster (else only logged)
     */
    public record Delivery(boolean useSmarthost, RemoteSettings remote, Map<String, Destination.Host> routes,
                           Duration delayNotice, boolean doubleBounce, int destinationConcurrency,
                           int activeLimit, SecureTransport secure) {}

    /**
     * Secure outbound transport (keys of {@code [delivery]}).
     *
     * @param trustedCa  CA certificates (PEM) trusted besides the system roots for MX hosts, static routes and
     *                   MTA-STS policy hosts
     * @param mtaSts     apply the recipient domains' MTA-STS policies (RFC 8461)
     * @param mtaStsPort the port of policy hosts: 443; another value only for tests
     * @param tlsReports count TLS outcomes and write TLS-RPT aggregate reports (RFC 8460) under data_dir/tls-rpt
     */
    public record SecureTransport(Optional<Path> trustedCa, boolean mtaSts, int mtaStsPort, boolean tlsReports) {}

    /**
     * Delivery to the local domains' mailboxes.
     *
     * @param mode         RELAY: like remote mail (smarthost or MX); MAILDIR or LMTP: here
     * @param maildirRoot  the root of the Maildirs (MAILDIR)
     * @param layout       the Maildir of a user under the root, e.g. "{domain}/{localpart}"
     * @param lmtp         "unix:/path" or "host:port" (LMTP)
     * @param aliasesFile  sendmail-style aliases, if any
     * @param plusSeparators the plus-addressing separators; empty disables it
     * @param postmaster   where postmaster@ and abuse@ go when no alias or user takes them
     * @param catchAll     where otherwise unknown addresses of the local domains go, if anywhere
     */
    public record Local(LocalMode mode, Path maildirRoot, String layout, Optional<String> lmtp,
                        Optional<Path> aliasesFile, String plusSeparators, String postmaster,
                        Optional<String> catchAll) {

        public Mailbox postmasterAddress() {
            return parse(postmaster);
        }

        public Optional<Mailbox> catchAllAddress() {
            return catchAll.map(Local::parse);
        }

        private static Mailbox parse(String checkedByConfigLoader) {
            try {
                return PathParser.parse("<" + checkedByConfigLoader + ">", 0,
                        new PathParser.Options(false, false, true)).mailbox();
            } catch (AddressException e) {
                throw new IllegalStateException("checked by ConfigLoader", e);
            }
        }
    }

    public enum LocalMode { RELAY, MAILDIR, LMTP }

    /**
     * The resolvers for MX lookups; empty: those of /etc/resolv.conf.
     *
     * @param dnssec the trust anchors to validate every answer from (RFC 4035 section 5), which also turns DANE
     *               on (RFC 7672); empty: no validation
     */
    public record Dns(List<InetSocketAddress> resolvers, Duration timeout, int retries,
                      Optional<TrustAnchors> dnssec) {}

    /** Submission policy shared by the listeners. */
    public record Policy(String unqualified, boolean receivedClientIp, boolean receivedUser,
                         Map<String, List<String>> aliases) {}

    /**
     * @param maxConnectionRatePerClient new connections per client address per minute (0: no limit)
     * @param exemptNetworks             clients held only to maxConnections, not to the per-client limits
     */
    public record Limits(long maxMessageSize, int maxRecipients, int maxBadCommands, int maxAuthFailures,
                         Duration commandTimeout, int commandLineLimit, int maxConnections,
                         int maxConnectionsPerClient, int maxHeaderSection, int maxConnectionRatePerClient,
                         List<Cidr> exemptNetworks) {}

    public record Auth(Path usersFile, Duration cacheTtl, int argon2MemoryKib, int argon2Iterations,
                       int argon2Parallelism, int maxFailuresPerIp, int maxFailuresPerAccount,
                       Duration failureWindow, Duration cooldown) {}
}
