package dev.mailroom.config;

import dev.mailroom.relay.RelaySettings;
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
        RelaySettings relay) {

    /** Certificate and key; both empty means a generated self-signed certificate (embedded default). */
    public record Tls(Optional<Path> certificate, Optional<Path> privateKey, boolean nativeCrypto) {
        public boolean selfSigned() {
            return certificate.isEmpty();
        }
    }

    /** One submission listener. */
    public record Listener(String name, String host, int port, String tls, List<Cidr> trustedNetworks,
                           boolean postmasterWithoutAuth) {}

    /** Submission policy shared by the listeners. */
    public record Policy(String unqualified, boolean receivedClientIp, boolean receivedUser,
                         Map<String, List<String>> aliases) {}

    public record Limits(long maxMessageSize, int maxRecipients, int maxBadCommands, int maxAuthFailures,
                         Duration commandTimeout, int commandLineLimit, int maxConnections,
                         int maxConnectionsPerClient, int maxHeaderSection) {}

    public record Auth(Path usersFile, Duration cacheTtl, int argon2MemoryKib, int argon2Iterations,
                       int argon2Parallelism, int maxFailuresPerIp, int maxFailuresPerAccount,
                       Duration failureWindow, Duration cooldown) {}
}
