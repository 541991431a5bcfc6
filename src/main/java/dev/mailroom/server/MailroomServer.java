package dev.mailroom.server;

import dev.mailroom.address.Mailbox;
import dev.mailroom.config.Cidr;
import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.delivery.DeliveryAgent;
import dev.mailroom.delivery.DsnNotifier;
import dev.mailroom.dsn.DsnBuilder;
import dev.mailroom.dsn.DsnSettings;
import dev.mailroom.delivery.LocalDelivery;
import dev.mailroom.delivery.Notifier;
import dev.mailroom.delivery.Router;
import dev.mailroom.delivery.Scheduler;
import dev.mailroom.dane.DaneResolver;
import dev.mailroom.delivery.SecurityPolicies;
import dev.mailroom.delivery.SmtpDelivery;
import dev.mailroom.directory.Argon2Parameters;
import dev.mailroom.directory.AuthCache;
import dev.mailroom.directory.AuthThrottle;
import dev.mailroom.directory.CachingCredentialStore;
import dev.mailroom.directory.PasswordHasher;
import dev.mailroom.directory.SenderRight;
import dev.mailroom.directory.ThrottleSettings;
import dev.mailroom.directory.User;
import dev.mailroom.directory.UsersFile;
import dev.mailroom.dkim.DkimSigner;
import dev.mailroom.dkim.KeyFileException;
import dev.mailroom.dns.MxResolver;
import dev.mailroom.local.AliasTable;
import dev.mailroom.local.AliasesFile;
import dev.mailroom.local.LmtpClient;
import dev.mailroom.local.LmtpDelivery;
import dev.mailroom.local.LmtpTarget;
import dev.mailroom.local.MaildirDelivery;
import dev.mailroom.local.MaildirLayout;
import dev.mailroom.local.Resolution;
import dev.mailroom.log.EventLog;
import dev.mailroom.metrics.AdminServer;
import dev.mailroom.metrics.Metrics;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.queue.NotifyingSpool;
import dev.mailroom.queue.QueueActions;
import dev.mailroom.queue.QueueControl;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.SpoolInUseException;
import dev.mailroom.quota.SendingQuota;
import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.smtp.AuthService;
import dev.mailroom.smtp.ConnectionGate;
import dev.mailroom.smtp.ListenerSettings;
import dev.mailroom.smtp.MailPolicy;
import dev.mailroom.smtp.SmtpListener;
import dev.mailroom.smtp.TlsMode;
import dev.mailroom.submission.AccountQuotaPolicy;
import dev.mailroom.submission.SenderRights;
import dev.mailroom.submission.SubmissionAuth;
import dev.mailroom.submission.SubmissionPolicy;
import dev.mailroom.submission.SubmissionSettings;
import dev.mailroom.submission.UnqualifiedAddresses;
import dev.mailroom.sts.MtaSts;
import dev.mailroom.sts.PolicyCache;
import dev.mailroom.sts.PolicyFetcher;
import dev.mailroom.tls.PkixCheck;
import dev.mailroom.tls.ServerTls;
import dev.mailroom.tlsrpt.TlsReports;
import dev.mailroom.tls.TlsConfigException;
import dev.mailroom.transfer.ClientNames;
import dev.mailroom.transfer.LocalRecipients;
import dev.mailroom.transfer.TransferPolicy;
import dev.mailroom.transfer.TransferSettings;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Assembles one Mailroom process from its configuration: TLS, the users file, the spool, the relay
 * scheduler, and the listeners of both roles (submission and transfer). The stages meet only through their interfaces.
 */
public final class MailroomServer implements Closeable {
    private final MailroomConfig config;
    private final Map<String, SmtpListener> listeners = new LinkedHashMap<>();
    private Scheduler scheduler;
    private QueueControl control;
    private Optional<TlsReports> tlsReports = Optional.empty();
    /** RFC 8461 section 3.3 asks for short timeouts on policy fetches. */
    private static final java.time.Duration MTA_STS_TIMEOUT = java.time.Duration.ofSeconds(10);
    private SendingQuota quota;
    private final Metrics metrics = new Metrics();
    private AdminServer admin;

    private MailroomServer(MailroomConfig config) {
        this.config = config;
    }

    /** Starts everything or nothing: a failure closes what was already started. */
    public static MailroomServer start(MailroomConfig config) throws IOException, ConfigException {
        MailroomServer server = new MailroomServer(config);
        try {
            server.startAll();
        } catch (IOException | ConfigException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startAll() throws IOException, ConfigException {
        Files.createDirectories(config.dataDir());
        // First of all: a second server on the same spool would clean the first one's incoming/ and deliver twice.
        try {
            control = QueueControl.lock(config.dataDir().resolve("spool"));
        } catch (SpoolInUseException e) {
            throw new ConfigException(config.source().toString(), "data_dir", e.getMessage());
        }
        ServerTls tls = serverTls();
        FileSpool files = FileSpool.recover(config.dataDir().resolve("spool"));
        // The scheduler learns of each committed message through this; it exists once the users are loaded.
        Scheduler[] deliveries = new Scheduler[1];
        Spool spool = new NotifyingSpool(files, id -> deliveries[0].submitted(id));

        MailroomConfig.Auth a = config.auth();
        UsersFile.createIfMissing(a.usersFile()); // a fresh install: no users yet, AUTH answers 535 not 454
        UsersFile users = new UsersFile(a.usersFile(), new PasswordHasher(
                new Argon2Parameters(a.argon2MemoryKib(), a.argon2Iterations(), a.argon2Parallelism())));
        AuthThrottle throttle = new AuthThrottle(new ThrottleSettings(a.maxFailuresPerIp(), a.maxFailuresPerAccount(),
                a.failureWindow(), a.cooldown(), ThrottleSettings.DEFAULT.firstDelay(), ThrottleSettings.DEFAULT.maxDelay(),
                ThrottleSettings.DEFAULT.maxTrackedKeys()), Clock.systemUTC());
        var store = new CachingCredentialStore(users, new AuthCache(a.cacheTtl(), AuthCache.DEFAULT_MAX_ENTRIES, Clock.systemUTC()));
        SubmissionAuth auth = new SubmissionAuth(store, throttle);
        SenderRights rights = (user, address) ->
                users.find(user).map(u -> u.rightFor(address.key())).orElse(SenderRight.NONE);

        dev.mailroom.local.LocalRecipients resolver = localResolver(users);
        MailroomConfig.Dns dns = config.dns();
        // With [dns] dnssec, every MX answer is validated: bogus data is never used (RFC 7672 section 2.1.1).
        MxResolver mx = dns.dnssec()
                .map(anchors -> new MxResolver(dns.resolvers(), dns.timeout(), dns.retries(), anchors))
                .orElseGet(() -> new MxResolver(dns.resolvers(), dns.timeout(), dns.retries()));
        SmtpDelivery smtp = smtpDelivery(mx);
        MailroomConfig.Local local = config.local();
        DeliveryAgent localAgent = switch (local.mode()) {
            case RELAY -> null;
            case MAILDIR -> new LocalDelivery(resolver, new MaildirDelivery(new MaildirLayout(local.maildirRoot(),
                    local.layout()), config.hostname()), null, spool);
            case LMTP -> new LocalDelivery(resolver, null, new LmtpDelivery(LmtpTarget.parse(local.lmtp().get()),
                    LmtpClient.Settings.defaults(config.hostname())), spool);
        };
        Notifier notices = notifier(config, spool);
        scheduler = new Scheduler(files, config.relay(), new Router(config.localDomains(), localAgent != null,
                config.delivery().routes(), config.delivery().useSmarthost()), smtp, localAgent, notices,
                Clock.systemUTC(), new Scheduler.Limits(config.delivery().activeLimit(),
                Scheduler.Limits.DEFAULT.scanInterval(), config.delivery().destinationConcurrency()));
        deliveries[0] = scheduler;

        // Next to the spool: the accounts' usage outlives a restart (see SendingQuota).
        quota = SendingQuota.open(config.dataDir().resolve("quota"), config.quota(), Clock.systemUTC());
        DkimSigner signer = dkimSigner();
        MailroomConfig.Limits l = config.limits();
        List<Cidr> exempt = l.exemptNetworks();
        SmtpListener.Limits connectionLimits = new SmtpListener.Limits(l.maxConnections(), l.maxConnectionsPerClient(),
                l.maxConnectionRatePerClient(), (InetAddress ip) -> exempt.stream().anyMatch(c -> c.contains(ip)));
        LocalRecipients localRecipients = transferRecipients(users, resolver);
        for (MailroomConfig.Listener spec : config.listeners()) {
            TlsMode mode = switch (spec.tls()) {
                case "implicit" -> TlsMode.IMPLICIT;
                case "none" -> TlsMode.NONE;
                default -> TlsMode.STARTTLS;
            };
            boolean transfer = spec.role() == MailroomConfig.Role.TRANSFER;
            // RFC 3207 section 4: a publicly-referenced SMTP server MUST NOT require STARTTLS to deliver
            // mail locally, so port 25 offers it; the submission listeners insist on it.
            ListenerSettings settings = new ListenerSettings(spec.name(), config.hostname(), mode,
                    mode == TlsMode.STARTTLS && !transfer, l.commandLineLimit(), ListenerSettings.DEFAULT_AUTH_LINE_LIMIT,
                    l.maxMessageSize(), l.maxRecipients(), l.maxBadCommands(), l.maxAuthFailures(),
                    l.commandTimeout(), l.commandTimeout(), true, true, true);
            MailPolicy role = transfer ? transferPolicy(localRecipients, spool) : submissionPolicy(spec, rights, spool, signer);
            // AUTH on port 25 only where the site wants its users to submit there (auth = true).
            AuthService listenerAuth = !transfer || spec.auth() ? auth : null;
            // Wherever an account can authenticate, its sending quota holds.
            MailPolicy policy = listenerAuth != null ? new AccountQuotaPolicy(role, quota) : role;
            SmtpListener listener = SmtpListener.start(new InetSocketAddress(spec.host(), spec.port()), settings,
                    policy, listenerAuth, mode == TlsMode.NONE ? null : tls, connectionLimits, metrics);
            listeners.put(spec.name(), listener);
            metrics.listener(spec.name(), listener.connections(), listener::activeSessions);
        }
        metrics.queue(scheduler::active, scheduler::backlog);
        scheduler.observe(metrics);
        files.timeSyncs(metrics::spoolSynced);
        metrics.quota(quota.metrics());
        scheduler.start();
        if (config.admin().listen().isPresent()) {
            admin = AdminServer.start(config.admin().listen().get(), metrics, this::notReady);
            EventLog.info("listen", "listener", "admin", "address", config.admin().listen().get().getAddress().getHostAddress(),
                    "port", admin.port());
        }
        control.serve(new QueueActions(scheduler::flush, scheduler::flushAll, scheduler::hold, scheduler::release,
                scheduler::delete, scheduler::bounce));
        EventLog.info("started", "hostname", config.hostname(), "data_dir", config.dataDir(),
                "relay", config.relay().host() + ":" + config.relay().port());
    }

    /**
     * The SMTP agent with the secure-transport policies: MTA-STS (policies cached under data_dir/mta-sts) and TLS
     * reports (data_dir/tls-rpt), both on unless [delivery] turns them off, and DANE with [dns] dnssec.
     */
    private SmtpDelivery smtpDelivery(MxResolver mx) throws IOException {
        MailroomConfig.SecureTransport secure = config.delivery().secure();
        PkixCheck webPki = PkixCheck.withRoots(secure.trustedCa());
        Optional<MtaSts> mtaSts = Optional.empty();
        if (secure.mtaSts()) {
            mtaSts = Optional.of(new MtaSts(mx, new PolicyFetcher(mx, webPki, secure.mtaStsPort(), MTA_STS_TIMEOUT),
                    new PolicyCache(config.dataDir().resolve("mta-sts")), Clock.systemUTC()));
        }
        if (secure.tlsReports()) {
            tlsReports = Optional.of(new TlsReports(mx, config.dataDir().resolve("tls-rpt"), config.hostname(),
                    config.local().postmaster(), Clock.systemUTC()));
            tlsReports.get().start();
        }
        // RFC 7672 section 2.1: DANE only where DNS answers are validated; TLSA records are then looked up per MX host.
        Optional<DaneResolver> dane = mx.validating() ? Optional.of(new DaneResolver(mx)) : Optional.empty();
        SecurityPolicies policies = new SecurityPolicies(config.delivery().remote(), webPki,
                PkixCheck.withRoots(config.relay().trustedCa()), mtaSts, dane);
        return new SmtpDelivery(config.relay(), config.delivery().remote(), mx, policies, tlsReports);
    }

    /** The DKIM keys, read again at start: a key that changed since the configuration was checked is caught here. */
    private DkimSigner dkimSigner() throws ConfigException {
        try {
            return DkimSigner.start(config.dkim(), Clock.systemUTC());
        } catch (KeyFileException e) {
            throw new ConfigException(config.source().toString(), "dkim", e.getMessage());
        }
    }

    private SubmissionPolicy submissionPolicy(MailroomConfig.Listener spec, SenderRights rights, Spool spool,
                                              DkimSigner signer) {
        List<Cidr> trusted = spec.trustedNetworks();
        SubmissionSettings policySettings = new SubmissionSettings(config.hostname(), config.defaultDomain(),
                config.localDomains(), UnqualifiedAddresses.valueOf(config.policy().unqualified().toUpperCase(Locale.ROOT)),
                spec.postmasterWithoutAuth(), config.policy().aliases(), config.policy().receivedClientIp(),
                config.policy().receivedUser(), config.limits().maxHeaderSection(),
                (InetAddress ip) -> trusted.stream().anyMatch(c -> c.contains(ip)));
        return new SubmissionPolicy(policySettings, rights, spool, signer);
    }

    private TransferPolicy transferPolicy(LocalRecipients localRecipients, Spool spool) {
        MailroomConfig.Transfer t = config.transfer();
        List<Cidr> relayNetworks = t.relayNetworks();
        TransferSettings settings = new TransferSettings(config.hostname(), config.defaultDomain(),
                config.localDomains(), t.relayDomains(), t.maxReceivedHeaders(),
                (InetAddress ip) -> relayNetworks.stream().anyMatch(c -> c.contains(ip)));
        return new TransferPolicy(settings, localRecipients, ClientNames.system(), spool);
    }

    /**
     * Who receives mail at the local domains, for RCPT on port 25: a [policy] alias, or whatever the local
     * resolver (users, aliases file, plus-addressing, postmaster and abuse) resolves.
     */
    private LocalRecipients transferRecipients(UsersFile users, dev.mailroom.local.LocalRecipients resolver) {
        Map<String, List<String>> aliases = config.policy().aliases();
        return mailbox -> aliases.containsKey(mailbox.key().toLowerCase(Locale.ROOT))
                || resolver.resolve(mailbox) instanceof Resolution.Resolved;
    }

    /** Aliases file (if any), users, plus-addressing and postmaster ([local]). */
    private dev.mailroom.local.LocalRecipients localResolver(UsersFile users) throws IOException {
        MailroomConfig.Local local = config.local();
        var settings = dev.mailroom.local.LocalRecipients.Settings.of(config.localDomains(), config.defaultDomain(),
                local.postmasterAddress()).withPlusSeparators(local.plusSeparators());
        if (local.catchAllAddress().isPresent()) {
            settings = settings.withCatchAll(local.catchAllAddress().get());
        }
        dev.mailroom.local.LocalRecipients.AliasSource aliases;
        if (local.aliasesFile().isPresent()) {
            AliasesFile file = AliasesFile.load(local.aliasesFile().get());
            aliases = file::table;
        } else {
            aliases = AliasTable::empty;
        }
        return new dev.mailroom.local.LocalRecipients(settings, mailbox -> userExists(users, mailbox), aliases);
    }

    /** The delivery status notifications as configured; also used by the queue command's offline bounce. */
    public static DsnNotifier notifier(MailroomConfig config, Spool spool) {
        return new DsnNotifier(spool, new DsnBuilder(DsnSettings.of(config.hostname())),
                config.delivery().delayNotice(), config.relay().lifetime(),
                config.delivery().doubleBounce() ? config.local().postmasterAddress() : null, Clock.systemUTC());
    }

    /**
     * A user of the users file, by full name or, at domains.default, by bare local part. Local parts compare
     * without regard to case, as most sites do (RFC 5321 section 2.4 allows it and discourages relying on case).
     */
    private boolean userExists(UsersFile users, Mailbox mailbox) throws IOException {
        String address = mailbox.key();
        boolean defaultDomainUser = config.defaultDomain().equals(mailbox.domainKey());
        try {
            if (users.find(address).isPresent() || defaultDomainUser && users.find(mailbox.localPart()).isPresent()) {
                return true;
            }
        } catch (CredentialStoreUnavailableException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (User u : users.list()) {
            if (u.name().equalsIgnoreCase(address) || defaultDomainUser && u.name().equalsIgnoreCase(mailbox.localPart())) {
                return true;
            }
        }
        return false;
    }

    private ServerTls serverTls() throws ConfigException {
        try {
            if (config.tls().selfSigned()) {
                return ServerTls.selfSigned(config.dataDir().resolve("tls"), config.hostname());
            }
            return ServerTls.fromPem(config.tls().certificate().get(), config.tls().privateKey().get());
        } catch (TlsConfigException e) {
            throw new ConfigException(config.source().toString(), "tls", e.getMessage());
        }
    }

    /** The port a listener is bound to (useful when the configuration asked for port 0). */
    public int port(String listenerName) {
        SmtpListener l = listeners.get(listenerName);
        if (l == null) {
            throw new IllegalArgumentException("no listener " + listenerName);
        }
        return l.port();
    }

    /**
     * Why this server cannot take mail now, for /ready: a listener that is not bound, or a spool directory it
     * cannot write (a message accepted then could not be stored).
     */
    private Optional<String> notReady() {
        for (Map.Entry<String, SmtpListener> l : listeners.entrySet()) {
            if (!l.getValue().listening()) {
                return Optional.of("listener " + l.getKey() + " is not listening");
            }
        }
        java.nio.file.Path spool = config.dataDir().resolve("spool");
        if (!Files.isDirectory(spool) || !Files.isWritable(spool)) {
            return Optional.of("spool directory " + spool + " is not writable");
        }
        return Optional.empty();
    }

    /** The admin listener's port (when [admin] asked for port 0). */
    public int adminPort() {
        if (admin == null) {
            throw new IllegalStateException("no [admin] listener configured");
        }
        return admin.port();
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The accounts' sending quotas: usage, and refusals by limit for the metrics. */
    public SendingQuota quota() {
        return quota;
    }

    /** A listener's connection counts (admitted, refused by limit), for the metrics. */
    public ConnectionGate connections(String listenerName) {
        SmtpListener l = listeners.get(listenerName);
        if (l == null) {
            throw new IllegalArgumentException("no listener " + listenerName);
        }
        return l.connections();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(); // first: a load balancer stops sending while the listeners close
        }
        for (SmtpListener l : listeners.values()) {
            try {
                l.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        if (scheduler != null) {
            scheduler.close();
        }
        tlsReports.ifPresent(TlsReports::close); // the day's counts so far reach the report files
        if (quota != null) {
            quota.close(); // after the listeners: the last accepted messages are counted and synced
        }
        if (control != null) {
            control.close(); // last: the spool is free only once nothing here touches it any more
        }
    }
}
