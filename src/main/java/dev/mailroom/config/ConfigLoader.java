package dev.mailroom.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.mailroom.address.AddressException;
import dev.mailroom.address.PathParser;
import dev.mailroom.delivery.Destination;
import dev.mailroom.delivery.RelaySettings;
import dev.mailroom.delivery.RemoteSettings;
import dev.mailroom.dns.TrustAnchors;
import dev.mailroom.quota.QuotaKind;
import dev.mailroom.quota.QuotaLimits;
import dev.mailroom.quota.QuotaSettings;
import dev.mailroom.dkim.Canonicalization;
import dev.mailroom.dkim.DkimAlgorithm;
import dev.mailroom.dkim.DkimKeyFile;
import dev.mailroom.dkim.DkimSettings;
import dev.mailroom.dkim.DnsKeyRecord;
import dev.mailroom.dkim.KeyFileException;
import dev.mailroom.dkim.SignedHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads mailroom.toml into a {@link MailroomConfig}, checking every key: unknown keys, wrong types and
 * impossible values are errors naming the file and the key, so the server never starts half-configured.
 * Every key and its default is documented in README and examples/mailroom.toml.
 */
public final class ConfigLoader {
    private final String file;

    private ConfigLoader(String file) {
        this.file = file;
    }

    /** Loads a file; {@code null} means no file: the embedded defaults under {@code ./data}. */
    public static MailroomConfig load(Path path) throws ConfigException {
        if (path == null) {
            return new ConfigLoader("(defaults)").build(null, Path.of("."));
        }
        String name = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(name, "", "file not found");
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new ConfigException(name, "", "not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Path base = path.toAbsolutePath().getParent();
        return new ConfigLoader(name).build(root, base);
    }

    /**
     * Only data_dir of a configuration file ({@code null}: the default, ./data), without checking the rest: for
     * {@code mailroom dkim keygen}, which creates a key file that the rest of the file may already name.
     */
    public static Path dataDir(Path path) throws ConfigException {
        if (path == null) {
            return Path.of(".").resolve("data").normalize();
        }
        String name = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(name, "", "file not found");
        }
        try {
            JsonNode root = new TomlMapper().readTree(path.toFile());
            return new ConfigLoader(name).new Section("", root).path("data_dir", path.toAbsolutePath().getParent(), "data");
        } catch (IOException e) {
            throw new ConfigException(name, "", "not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private MailroomConfig build(JsonNode root, Path base) throws ConfigException {
        Section top = new Section("", root);
        String hostname = top.string("hostname", "localhost");
        if (!PathParser.isValidDomain(hostname)) {
            throw error("hostname", "not a valid host name: " + hostname);
        }
        Path dataDir = top.path("data_dir", base, "data");

        Section domains = top.section("domains");
        String defaultDomain = domains.string("default", hostname).toLowerCase(Locale.ROOT);
        if (!PathParser.isValidDomain(defaultDomain) || defaultDomain.indexOf('.') < 0 && !defaultDomain.equals("localhost")) {
            throw error("domains.default", "must be a fully qualified domain: " + defaultDomain);
        }
        Set<String> local = new HashSet<>();
        for (String d : domains.strings("local", List.of(defaultDomain))) {
            if (!PathParser.isValidDomain(d)) {
                throw error("domains.local", "not a valid domain: " + d);
            }
            local.add(d.toLowerCase(Locale.ROOT));
        }
        domains.done();

        Section tlsSection = top.section("tls");
        Optional<Path> cert = tlsSection.optionalPath("certificate", base);
        Optional<Path> key = tlsSection.optionalPath("private_key", base);
        if (cert.isPresent() != key.isPresent()) {
            throw error(cert.isPresent() ? "tls.private_key" : "tls.certificate", "certificate and private_key go together");
        }
        boolean nativeCrypto = tlsSection.bool("native_crypto", true);
        tlsSection.done();

        List<MailroomConfig.Listener> listeners = listeners(top);

        Section policySection = top.section("policy");
        String unqualified = policySection.choice("unqualified", "complete", "complete", "reject");
        boolean receivedIp = policySection.bool("received_client_ip", false);
        boolean receivedUser = policySection.bool("received_user", false);
        Map<String, List<String>> aliases = aliases(policySection.section("aliases"));
        policySection.done();

        Section lim = top.section("limits");
        var limits = new MailroomConfig.Limits(
                lim.longInt("max_message_size", 50L * 1024 * 1024, 65536, Long.MAX_VALUE),
                (int) lim.longInt("max_recipients", 100, 100, 100000),
                (int) lim.longInt("max_bad_commands", 20, 1, 10000),
                (int) lim.longInt("max_auth_failures", 3, 3, 100),
                Duration.ofSeconds(lim.longInt("command_timeout_seconds", 300, 1, 86400)),
                (int) lim.longInt("command_line_limit", 2048, 512, 65536),
                (int) lim.longInt("max_connections", 1000, 1, 1_000_000),
                (int) lim.longInt("max_connections_per_client", 50, 1, 1_000_000),
                (int) lim.longInt("max_header_section", 256 * 1024, 1024, 64L * 1024 * 1024),
                (int) lim.longInt("max_connection_rate_per_client", 120, 0, 1_000_000),
                List.copyOf(cidrs(lim, "exempt_networks")));
        lim.done();

        Section authSection = top.section("auth");
        var auth = new MailroomConfig.Auth(
                authSection.path("users_file", base, dataDir.resolve("users").toString()),
                Duration.ofSeconds(authSection.longInt("cache_ttl_seconds", 300, 0, 86400)),
                (int) authSection.longInt("argon2_memory_kib", 19456, 1024, 4 * 1024 * 1024),
                (int) authSection.longInt("argon2_iterations", 2, 1, 100),
                (int) authSection.longInt("argon2_parallelism", 1, 1, 64),
                (int) authSection.longInt("max_failures_per_ip", 10, 1, 100000),
                (int) authSection.longInt("max_failures_per_account", 10, 1, 100000),
                Duration.ofSeconds(authSection.longInt("failure_window_seconds", 900, 1, 86400 * 7)),
                Duration.ofSeconds(authSection.longInt("cooldown_seconds", 900, 0, 86400 * 7)));
        authSection.done();

        RelaySettings relay = relay(top.section("relay"), hostname, base);
        MailroomConfig.Transfer transfer = transfer(top.section("transfer"), local);
        MailroomConfig.Delivery delivery = delivery(top.section("delivery"), hostname, base);
        MailroomConfig.Dns dns = dns(top.section("dns"), base);
        MailroomConfig.Local localDelivery = local(top.section("local"), base, dataDir, defaultDomain);
        QuotaSettings quota = quota(top.section("quota"));
        DkimSettings dkim = dkim(top.section("dkim"), base, dataDir);
        MailroomConfig.Admin admin = admin(top);
        top.done();
        return new MailroomConfig(base.resolve(file), hostname, dataDir, defaultDomain, Set.copyOf(local),
                new MailroomConfig.Tls(cert, key, nativeCrypto), listeners,
                new MailroomConfig.Policy(unqualified, receivedIp, receivedUser, aliases), limits, auth, relay,
                transfer, delivery, dns, localDelivery, quota, dkim, admin);
    }

    /**
     * The [admin] table: where /metrics, /health and /ready are served. Without the table, nowhere; with it,
     * on loopback port 9465 unless listen says otherwise ("" turns it off; port 0 picks a free port).
     */
    private MailroomConfig.Admin admin(Section top) throws ConfigException {
        if (!top.keys().contains("admin")) {
            return new MailroomConfig.Admin(Optional.empty());
        }
        Section s = top.section("admin");
        String listen = s.string("listen", MailroomConfig.Admin.DEFAULT_LISTEN);
        s.done();
        if (listen.isEmpty()) {
            return new MailroomConfig.Admin(Optional.empty());
        }
        int colon = listen.lastIndexOf(':');
        String host = colon <= 0 ? "" : listen.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
            if (port < 0 || port > 65535 || !host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new IllegalArgumentException();
            }
            return new MailroomConfig.Admin(Optional.of(new InetSocketAddress(java.net.InetAddress.ofLiteral(host), port)));
        } catch (RuntimeException e) {
            throw error(s.prefix + "listen", "expected a numeric host:port (\"127.0.0.1:9465\") or \"\" for none, got "
                    + listen);
        }
    }

    /**
     * The [quota] table: every account's sending limits, and [quota.users."name"] tables that change some of
     * them for one account (the keys it leaves out keep the [quota] values). 0 means unlimited.
     */
    private QuotaSettings quota(Section s) throws ConfigException {
        QuotaLimits defaults = quotaLimits(s, QuotaLimits.DEFAULT);
        Map<String, QuotaLimits> accounts = new LinkedHashMap<>();
        Section users = s.section("users");
        for (String user : users.keys()) {
            Section one = users.section(user);
            accounts.put(user.toLowerCase(Locale.ROOT), quotaLimits(one, defaults));
            one.done();
        }
        users.done();
        s.done();
        return new QuotaSettings(defaults, accounts);
    }

    private QuotaLimits quotaLimits(Section s, QuotaLimits inherited) throws ConfigException {
        return new QuotaLimits(limit(s, QuotaKind.MESSAGES_PER_HOUR, inherited),
                limit(s, QuotaKind.MESSAGES_PER_DAY, inherited), limit(s, QuotaKind.RECIPIENTS_PER_DAY, inherited),
                limit(s, QuotaKind.NEW_RECIPIENTS_PER_DAY, inherited));
    }

    private long limit(Section s, QuotaKind kind, QuotaLimits inherited) throws ConfigException {
        return s.longInt(kind.key(), inherited.limit(kind), 0, 1_000_000_000);
    }

    private List<MailroomConfig.Listener> listeners(Section top) throws ConfigException {
        List<Section> given = top.sectionArray("listener");
        if (given.isEmpty()) {
            // The embedded default: STARTTLS and implicit TLS on unprivileged loopback ports.
            return List.of(new MailroomConfig.Listener("submission", "127.0.0.1", 2587, "starttls", List.of(), false,
                            MailroomConfig.Role.SUBMISSION, false),
                    new MailroomConfig.Listener("submissions", "127.0.0.1", 2465, "implicit", List.of(), false,
                            MailroomConfig.Role.SUBMISSION, false));
        }
        List<MailroomConfig.Listener> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Section s : given) {
            String name = s.string("name", null);
            if (name == null || !name.matches("[a-z0-9_-]+") || !names.add(name)) {
                throw error(s.prefix + "name", "each listener needs a unique name of [a-z0-9_-]");
            }
            String listen = s.string("listen", null);
            if (listen == null) {
                throw error(s.prefix + "listen", "missing (host:port)");
            }
            int colon = listen.lastIndexOf(':');
            int port;
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (RuntimeException e) {
                port = -1;
            }
            if (colon <= 0 || port < 0 || port > 65535) {
                throw error(s.prefix + "listen", "expected host:port, got " + listen);
            }
            String host = listen.substring(0, colon).replace("[", "").replace("]", "");
            MailroomConfig.Role role = s.choice("role", "submission", "submission", "transfer").equals("transfer")
                    ? MailroomConfig.Role.TRANSFER : MailroomConfig.Role.SUBMISSION;
            String tls = s.choice("tls", "starttls", "starttls", "implicit", "none");
            out.add(role == MailroomConfig.Role.TRANSFER ? transferListener(s, name, host, port, tls)
                    : submissionListener(s, name, host, port, tls));
            s.done();
        }
        return out;
    }

    private MailroomConfig.Listener submissionListener(Section s, String name, String host, int port, String tls)
            throws ConfigException {
        if (s.has("auth")) {
            throw error(s.prefix + "auth", "only for role = \"transfer\"; a submission listener always offers AUTH");
        }
        List<Cidr> trusted = cidrs(s, "trusted_networks");
        boolean postmaster = s.bool("postmaster_without_auth", false);
        return new MailroomConfig.Listener(name, host, port, tls, List.copyOf(trusted), postmaster,
                MailroomConfig.Role.SUBMISSION, false);
    }

    private MailroomConfig.Listener transferListener(Section s, String name, String host, int port, String tls)
            throws ConfigException {
        for (String submissionOnly : List.of("trusted_networks", "postmaster_without_auth")) {
            if (s.has(submissionOnly)) {
                throw error(s.prefix + submissionOnly, "only for role = \"submission\""
                        + (submissionOnly.equals("trusted_networks") ? "; a transfer listener uses transfer.relay_networks" : ""));
            }
        }
        if (tls.equals("implicit")) {
            // MTAs connect to port 25 in clear and upgrade with STARTTLS (RFC 3207); implicit TLS is for
            // submission (RFC 8314 section 3.3), and no MTA would find it here.
            throw error(s.prefix + "tls", "a transfer listener offers starttls or none, not implicit");
        }
        boolean auth = s.bool("auth", false);
        if (auth && tls.equals("none")) {
            // AUTH is offered only inside TLS (RFC 4954 section 4, RFC 8314): it could never be offered here.
            throw error(s.prefix + "auth", "AUTH is offered only inside TLS: needs tls = \"starttls\"");
        }
        return new MailroomConfig.Listener(name, host, port, tls, List.of(), false, MailroomConfig.Role.TRANSFER, auth);
    }

    private List<Cidr> cidrs(Section s, String key) throws ConfigException {
        List<Cidr> out = new ArrayList<>();
        for (String c : s.strings(key, List.of())) {
            try {
                out.add(Cidr.parse(c));
            } catch (IllegalArgumentException e) {
                throw error(s.prefix + key, e.getMessage());
            }
        }
        return out;
    }

    /** The [transfer] table: what port 25 accepts besides the local domains (RFC 5321 section 3.6.2). */
    private MailroomConfig.Transfer transfer(Section s, Set<String> localDomains) throws ConfigException {
        Set<String> local = new HashSet<>();
        for (String d : localDomains) {
            local.add(PathParser.toAsciiDomain(d).toLowerCase(Locale.ROOT));
        }
        Set<String> relayDomains = new LinkedHashSet<>();
        for (String d : s.strings("relay_domains", List.of())) {
            if (!PathParser.isValidDomain(d)) {
                throw error(s.prefix + "relay_domains", "not a valid domain: " + d);
            }
            String key = PathParser.toAsciiDomain(d).toLowerCase(Locale.ROOT);
            if (local.contains(key)) {
                throw error(s.prefix + "relay_domains", d + " is already a local domain (domains.local)");
            }
            relayDomains.add(key);
        }
        // RFC 5321 section 6.3 suggests at least 100; Postfix's hopcount_limit is 50. Fewer than 20 would
        // refuse ordinary mail that passed a few relays and a mailing list.
        int maxReceived = (int) s.longInt("max_received_headers", 50, 20, 1000);
        List<Cidr> relayNetworks = cidrs(s, "relay_networks");
        for (Cidr c : relayNetworks) {
            if (c.prefix() == 0) {
                // Every address: an open relay (RFC 2505 section 2.2 and RFC 5321 section 7.9 say never).
                throw error(s.prefix + "relay_networks", "a /0 network would make this server an open relay");
            }
        }
        s.done();
        return new MailroomConfig.Transfer(Set.copyOf(relayDomains), maxReceived, List.copyOf(relayNetworks));
    }

    private Map<String, List<String>> aliases(Section s) throws ConfigException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String alias : s.keys()) {
            List<String> targets = s.strings(alias, List.of());
            if (targets.isEmpty()) {
                throw error(s.prefix + alias, "an alias needs at least one target address");
            }
            for (String t : List.copyOf(targets)) {
                try {
                    PathParser.parse("<" + t + ">", 0, new PathParser.Options(false, false, true));
                } catch (AddressException e) {
                    throw error(s.prefix + alias, "bad target address " + t + ": " + e.reason());
                }
            }
            out.put(alias.toLowerCase(Locale.ROOT), List.copyOf(targets));
        }
        s.done();
        return out;
    }

    private MailroomConfig.Delivery delivery(Section s, String hostname, Path base) throws ConfigException {
        boolean smarthost = s.choice("remote", "smarthost", "smarthost", "mx").equals("smarthost");
        int mxPort = (int) s.longInt("mx_port", 25, 1, 65535);
        RelaySettings.TlsPolicy tls = tlsPolicy(s, "tls", "opportunistic");
        Map<String, RelaySettings.TlsPolicy> perDomain = new LinkedHashMap<>();
        Section policies = s.section("tls_policy");
        for (String domain : policies.keys()) {
            if (!PathParser.isValidDomain(domain)) {
                throw error(policies.prefix + domain, "not a valid domain or host name");
            }
            perDomain.put(domain.toLowerCase(Locale.ROOT), tlsPolicy(policies, domain, null));
        }
        policies.done();
        Map<String, Destination.Host> routes = new LinkedHashMap<>();
        Section routeSection = s.section("routes");
        for (String domain : routeSection.keys()) {
            if (!PathParser.isValidDomain(domain)) {
                throw error(routeSection.prefix + domain, "not a valid domain");
            }
            String target = routeSection.string(domain, null);
            int colon = target == null ? -1 : target.lastIndexOf(':');
            String host = colon < 0 ? target : target.substring(0, colon);
            int port = 25;
            try {
                if (colon >= 0) {
                    port = Integer.parseInt(target.substring(colon + 1));
                }
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host == null || host.isBlank() || port < 1 || port > 65535) {
                throw error(routeSection.prefix + domain, "expected \"host\" or \"host:port\", got " + target);
            }
            routes.put(domain.toLowerCase(Locale.ROOT), new Destination.Host(host, port));
        }
        routeSection.done();
        Duration delayNotice = Duration.ofSeconds(s.longInt("delay_notice_seconds", 4 * 3600, 1, 30L * 86400));
        boolean doubleBounce = s.bool("double_bounce", false);
        int destinationConcurrency = (int) s.longInt("destination_concurrency", 20, 1, 1000);
        int activeLimit = (int) s.longInt("active_limit", 10_000, 10, 1_000_000);
        MailroomConfig.SecureTransport secure = secureTransport(s, base);
        s.done();
        return new MailroomConfig.Delivery(smarthost, new RemoteSettings(hostname, mxPort, tls, perDomain), routes,
                delayNotice, doubleBounce, destinationConcurrency, activeLimit, secure);
    }

    /** The secure-transport keys of [delivery]: trusted_ca, mta_sts, mta_sts_port, tls_reports. */
    private MailroomConfig.SecureTransport secureTransport(Section s, Path base) throws ConfigException {
        Optional<Path> ca = s.optionalPath("trusted_ca", base);
        if (ca.isPresent()) {
            try {
                dev.mailroom.tls.ClientTls.pkixTrustManager(ca);
            } catch (IllegalArgumentException e) {
                throw error(s.prefix + "trusted_ca", e.getMessage());
            }
        }
        boolean mtaSts = s.bool("mta_sts", true);
        int mtaStsPort = (int) s.longInt("mta_sts_port", 443, 1, 65535);
        boolean tlsReports = s.bool("tls_reports", true);
        return new MailroomConfig.SecureTransport(ca, mtaSts, mtaStsPort, tlsReports);
    }

    private RelaySettings.TlsPolicy tlsPolicy(Section s, String key, String def) throws ConfigException {
        return RelaySettings.TlsPolicy.valueOf(
                s.choice(key, def, "none", "opportunistic", "required").toUpperCase(Locale.ROOT));
    }

    private MailroomConfig.Local local(Section s, Path base, Path dataDir, String defaultDomain)
            throws ConfigException {
        var mode = MailroomConfig.LocalMode.valueOf(
                s.choice("delivery", "relay", "relay", "maildir", "lmtp").toUpperCase(Locale.ROOT));
        Path root = s.path("maildir_root", dataDir, "mail");
        String layout = s.string("maildir_layout", "{domain}/{localpart}");
        if (!layout.contains("{localpart}")) {
            throw error(s.prefix + "maildir_layout", "must contain {localpart}, or every user would share one Maildir");
        }
        Optional<String> lmtp = Optional.ofNullable(s.string("lmtp", null));
        if (lmtp.isPresent()) {
            try {
                dev.mailroom.local.LmtpTarget.parse(lmtp.get());
            } catch (IllegalArgumentException e) {
                throw error(s.prefix + "lmtp", e.getMessage());
            }
        } else if (mode == MailroomConfig.LocalMode.LMTP) {
            throw error(s.prefix + "lmtp", "delivery = \"lmtp\" needs the LMTP server: \"unix:/path\" or \"host:port\"");
        }
        Optional<Path> aliases = s.optionalPath("aliases_file", base);
        if (aliases.isPresent()) {
            try {
                dev.mailroom.local.AliasesFile.read(aliases.get());
            } catch (dev.mailroom.local.AliasesFileException e) {
                throw new ConfigException(e.file().toString(), "line " + e.line(), e.reason());
            } catch (IOException e) {
                throw error(s.prefix + "aliases_file", "cannot read " + aliases.get() + ": " + e.getMessage());
            }
        }
        String plus = s.string("plus_separator", "+");
        String postmaster = s.string("postmaster", "postmaster@" + defaultDomain);
        fullAddress(s, "postmaster", postmaster);
        Optional<String> catchAll = Optional.ofNullable(s.string("catch_all", null));
        if (catchAll.isPresent()) {
            fullAddress(s, "catch_all", catchAll.get());
        }
        s.done();
        return new MailroomConfig.Local(mode, root, layout, lmtp, aliases, plus, postmaster, catchAll);
    }

    /**
     * [dkim] and its [[dkim.key]] tables. Every key file is read here, so that check-config and the start refuse an
     * unreadable key, a key of the other algorithm or an RSA key under 1024 bits (RFC 8301 section 3.2, DKIM-03).
     */
    private DkimSettings dkim(Section s, Path base, Path dataDir) throws ConfigException {
        if (s.node == null) {
            return DkimSettings.NONE;
        }
        Canonicalization.Pair canonicalization;
        try {
            canonicalization = Canonicalization.Pair.parse(s.string("canonicalization", "relaxed/relaxed"));
        } catch (IllegalArgumentException e) {
            throw error(s.prefix + "canonicalization", e.getMessage());
        }
        // RFC 6376 section 3.5: x= must be later than t=; a year is far longer than any delivery takes.
        Duration expiry = Duration.ofSeconds(s.longInt("expire_seconds", 0, 0, 366L * 86400));
        List<String> headers = s.strings("headers", SignedHeaders.DEFAULT);
        try {
            SignedHeaders.check(headers);
        } catch (IllegalArgumentException e) {
            throw error(s.prefix + "headers", e.getMessage());
        }
        List<DkimSettings.Key> keys = new ArrayList<>();
        Set<String> selectors = new HashSet<>();
        for (Section k : s.sectionArray("key")) {
            String domain = k.string("domain", null);
            if (domain == null || !PathParser.isValidDomain(domain) || !domain.chars().allMatch(c -> c < 128)) {
                throw error(k.prefix + "domain", domain == null ? "missing: the domain whose From: addresses this key signs"
                        : "not a valid domain in ASCII (A-labels): " + domain);
            }
            domain = domain.toLowerCase(Locale.ROOT);
            String selector = k.string("selector", null);
            if (selector == null || !DnsKeyRecord.isValidSelector(selector)) {
                throw error(k.prefix + "selector", selector == null ? "missing" : "not a valid selector: " + selector);
            }
            if (!selectors.add(domain + " " + selector.toLowerCase(Locale.ROOT))) {
                // RFC 8463 section 6 (DKIM-04): two signatures of one domain need two selectors.
                throw error(k.prefix + "selector", "selector " + selector + " of " + domain + " is configured twice");
            }
            String algorithmName = k.string("algorithm", null);
            if (algorithmName == null) {
                throw error(k.prefix + "algorithm", "missing: rsa or ed25519");
            }
            DkimAlgorithm algorithm;
            try {
                algorithm = DkimAlgorithm.ofKeyType(algorithmName);
            } catch (IllegalArgumentException e) {
                throw error(k.prefix + "algorithm", e.getMessage());
            }
            Path privateKey = k.path("private_key", base, dataDir.resolve("dkim").resolve(domain)
                    .resolve(selector + ".key").toString());
            try {
                DkimKeyFile.read(privateKey, algorithm);
            } catch (KeyFileException e) {
                throw error(k.prefix + (e.wrongAlgorithm() ? "algorithm" : "private_key"), e.getMessage());
            }
            k.done();
            keys.add(new DkimSettings.Key(domain, selector, algorithm, privateKey));
        }
        if (keys.isEmpty()) {
            throw error(s.prefix + "key", "[dkim] without a [[dkim.key]] signs nothing; add a key or remove [dkim]");
        }
        s.done();
        return new DkimSettings(keys, canonicalization, expiry, headers);
    }

    private void fullAddress(Section s, String key, String address) throws ConfigException {
        try {
            if (PathParser.parse("<" + address + ">", 0, new PathParser.Options(false, false, true)).mailbox()
                    .domain() == null) {
                throw error(s.prefix + key, "must be a full address: " + address);
            }
        } catch (AddressException e) {
            throw error(s.prefix + key, "bad address " + address + ": " + e.reason());
        }
    }

    private MailroomConfig.Dns dns(Section s, Path base) throws ConfigException {
        List<InetSocketAddress> resolvers = new ArrayList<>();
        for (String r : s.strings("resolvers", List.of())) {
            resolvers.add(hostPort(s.prefix + "resolvers", r, 53));
        }
        Duration timeout = Duration.ofMillis(s.longInt("timeout_millis", 5000, 100, 60000));
        int retries = (int) s.longInt("retries", 1, 0, 10);
        Optional<TrustAnchors> dnssec = dnssec(s, base);
        s.done();
        return new MailroomConfig.Dns(List.copyOf(resolvers), timeout, retries, dnssec);
    }

    /**
     * {@code dnssec} and {@code trust_anchors}: validation from the root zone's keys built in, or from the DS/DNSKEY
     * records of a file (a private tree), read now so that a bad file stops the start.
     */
    private Optional<TrustAnchors> dnssec(Section s, Path base) throws ConfigException {
        boolean dnssec = s.bool("dnssec", false);
        Optional<Path> file = s.optionalPath("trust_anchors", base);
        if (!dnssec) {
            if (file.isPresent()) {
                throw error(s.prefix + "trust_anchors", "trust anchors are only used with dnssec = true");
            }
            return Optional.empty();
        }
        if (file.isEmpty()) {
            return Optional.of(TrustAnchors.rootZone());
        }
        try {
            return Optional.of(TrustAnchors.read(file.get()));
        } catch (TrustAnchors.InvalidTrustAnchorsException e) {
            throw error(s.prefix + "trust_anchors", file.get() + ": " + e.getMessage());
        }
    }

    /** "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53": numeric only, so no DNS is needed to find DNS. */
    private InetSocketAddress hostPort(String key, String value, int defaultPort) throws ConfigException {
        String host = value;
        int port = defaultPort;
        try {
            if (value.startsWith("[")) {
                int end = value.indexOf(']');
                host = value.substring(1, end);
                if (end + 1 < value.length()) {
                    port = Integer.parseInt(value.substring(end + 2));
                }
            } else if (value.indexOf(':') == value.lastIndexOf(':') && value.indexOf(':') > 0) {
                host = value.substring(0, value.indexOf(':'));
                port = Integer.parseInt(value.substring(value.indexOf(':') + 1));
            }
            if (port < 1 || port > 65535 || !host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new IllegalArgumentException();
            }
            return new InetSocketAddress(java.net.InetAddress.ofLiteral(host), port);
        } catch (RuntimeException e) {
            throw error(key, "expected a numeric address with optional port (\"127.0.0.1:5353\"), got " + value);
        }
    }

    private RelaySettings relay(Section s, String hostname, Path base) throws ConfigException {
        String host = s.string("host", "127.0.0.1");
        int port = (int) s.longInt("port", 2525, 1, 65535);
        String tls = s.choice("tls", "opportunistic", "none", "opportunistic", "required");
        boolean verify = s.bool("verify_certificate", false);
        Optional<Path> ca = s.optionalPath("trusted_ca", base);
        Optional<String> user = Optional.ofNullable(s.string("username", null));
        Optional<Path> passwordFile = s.optionalPath("password_file", base);
        Optional<String> password = Optional.empty();
        if (passwordFile.isPresent()) {
            try {
                password = Optional.of(Files.readString(passwordFile.get()).strip());
            } catch (IOException e) {
                throw error(s.prefix + "password_file", "cannot read " + passwordFile.get());
            }
        }
        if (user.isPresent() && password.isEmpty()) {
            throw error(s.prefix + "password_file", "username given without password_file");
        }
        int concurrency = (int) s.longInt("concurrency", 8, 1, 1000);
        // 5 minutes doubling to an hour, as Postfix's minimal_backoff_time and maximal_backoff_time.
        Duration initial = Duration.ofSeconds(s.longInt("retry_initial_seconds", 300, 1, 86400));
        Duration max = Duration.ofSeconds(s.longInt("retry_max_seconds", 3600, 1, 86400 * 7));
        // RFC 5321 section 4.5.4.1: give up after at least 4-5 days.
        Duration lifetime = Duration.ofHours(s.longInt("queue_lifetime_hours", 120, 1, 24 * 30));
        s.done();
        return new RelaySettings(host, port, hostname, RelaySettings.TlsPolicy.valueOf(tls.toUpperCase(Locale.ROOT)),
                verify, ca, user, password, concurrency, initial, max, lifetime);
    }

    private ConfigException error(String key, String reason) {
        return new ConfigException(file, key, reason);
    }

    /** One TOML table: typed getters that remember which keys were read, so leftovers are errors. */
    private final class Section {
        final String prefix;
        final JsonNode node;
        final Set<String> used = new HashSet<>();

        Section(String prefix, JsonNode node) {
            this.prefix = prefix;
            this.node = node;
        }

        JsonNode get(String key) {
            used.add(key);
            return node == null ? null : node.get(key);
        }

        /** Whether the table sets this key (for keys that are errors in some places). */
        boolean has(String key) {
            return node != null && node.has(key);
        }

        List<String> keys() {
            List<String> keys = new ArrayList<>();
            if (node != null) {
                node.fieldNames().forEachRemaining(keys::add);
            }
            return keys;
        }

        Section section(String key) throws ConfigException {
            JsonNode n = get(key);
            if (n != null && !n.isObject()) {
                throw error(prefix + key, "must be a table");
            }
            return new Section(prefix + key + ".", n);
        }

        List<Section> sectionArray(String key) throws ConfigException {
            JsonNode n = get(key);
            List<Section> out = new ArrayList<>();
            if (n == null) {
                return out;
            }
            if (!n.isArray()) {
                throw error(prefix + key, "must be an array of tables ([[" + key + "]])");
            }
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isObject()) {
                    throw error(prefix + key, "must be an array of tables ([[" + key + "]])");
                }
                out.add(new Section(prefix + key + "[" + i + "].", n.get(i)));
            }
            return out;
        }

        String string(String key, String def) throws ConfigException {
            JsonNode n = get(key);
            if (n == null) {
                return def;
            }
            if (!n.isTextual()) {
                throw error(prefix + key, "must be a string");
            }
            return n.asText();
        }

        String choice(String key, String def, String... allowed) throws ConfigException {
            String v = string(key, def);
            for (String a : allowed) {
                if (a.equals(v)) {
                    return v;
                }
            }
            throw error(prefix + key, "must be one of " + String.join(", ", allowed) + ", got " + v);
        }

        boolean bool(String key, boolean def) throws ConfigException {
            JsonNode n = get(key);
            if (n == null) {
                return def;
            }
            if (!n.isBoolean()) {
                throw error(prefix + key, "must be true or false");
            }
            return n.asBoolean();
        }

        long longInt(String key, long def, long min, long max) throws ConfigException {
            JsonNode n = get(key);
            if (n == null) {
                return def;
            }
            if (!n.isIntegralNumber()) {
                throw error(prefix + key, "must be a whole number");
            }
            if (!n.canConvertToLong()) {
                // TOML allows integers beyond 64 bits; asLong() would wrap 2^64 + 1 silently to 1.
                throw error(prefix + key, "must be between " + min + " and " + max + ", got " + n.asText());
            }
            long v = n.asLong();
            if (v < min || v > max) {
                throw error(prefix + key, "must be between " + min + " and " + max + ", got " + v);
            }
            return v;
        }

        List<String> strings(String key, List<String> def) throws ConfigException {
            JsonNode n = get(key);
            if (n == null) {
                return def;
            }
            if (!n.isArray()) {
                throw error(prefix + key, "must be an array of strings");
            }
            List<String> out = new ArrayList<>();
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                JsonNode e = it.next();
                if (!e.isTextual()) {
                    throw error(prefix + key, "must be an array of strings");
                }
                out.add(e.asText());
            }
            return out;
        }

        Path path(String key, Path base, String def) throws ConfigException {
            return resolve(key, base, string(key, def));
        }

        Optional<Path> optionalPath(String key, Path base) throws ConfigException {
            String v = string(key, null);
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(resolve(key, base, v));
        }

        /** A TOML string may hold what no file name can (a NUL, found by ConfigLoaderFuzzTest): a config error. */
        private Path resolve(String key, Path base, String value) throws ConfigException {
            try {
                return base.resolve(value).normalize();
            } catch (InvalidPathException e) {
                throw error(prefix + key, "not a valid path: " + e.getReason());
            }
        }

        /** Every key must have been read: anything else is a typo or a key this version lacks. */
        void done() throws ConfigException {
            if (node == null) {
                return;
            }
            for (String k : keys()) {
                if (!used.contains(k)) {
                    throw error(prefix + k, "unknown key");
                }
            }
        }
    }
}
