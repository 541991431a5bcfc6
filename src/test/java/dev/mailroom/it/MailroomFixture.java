package dev.mailroom.it;

import dev.mailroom.config.ConfigLoader;
import dev.mailroom.directory.Argon2Parameters;
import dev.mailroom.directory.PasswordHasher;
import dev.mailroom.directory.UsersFile;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.sink.SinkServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A real Mailroom on loopback (ephemeral ports, a temporary data directory) with a real SMTP sink as its
 * smarthost, and users:
 * <ul>
 *   <li>alice@example.com / alice-password: may also send as @alice.example (domain grant) and
 *       as team@example.com on behalf</li>
 *   <li>bob@example.com / bob-password</li>
 * </ul>
 */
public final class MailroomFixture implements AutoCloseable {
    public static final String ALICE = "alice@example.com";
    public static final String ALICE_PASSWORD = "alice-password";
    public static final String BOB = "bob@example.com";
    public static final String BOB_PASSWORD = "bob-password";
    /** Cheap Argon2 parameters keep the test suite fast; production defaults are in the config docs. */
    static final Argon2Parameters TEST_ARGON2 = new Argon2Parameters(1024, 1, 1);

    public final Path dir;
    public final SinkServer sink;
    public final MailroomServer server;
    public final Path config;

    private MailroomFixture(Path dir, SinkServer sink, MailroomServer server, Path config) {
        this.dir = dir;
        this.sink = sink;
        this.server = server;
        this.config = config;
    }

    public static MailroomFixture start(Path dir) throws Exception {
        return start(dir, SinkServer.SinkSettings.defaults(), "");
    }

    /** @param extraToml appended to the generated configuration (more tables, e.g. [policy]) */
    public static MailroomFixture start(Path dir, SinkServer.SinkSettings sinkSettings, String extraToml) throws Exception {
        return start(dir, sinkSettings, extraToml, "");
    }

    /** A server whose smarthost is a port where nothing may listen (the fixture's own sink is unused). */
    public static MailroomFixture startWithRelayPort(Path dir, int relayPort) throws Exception {
        return start(dir, SinkServer.SinkSettings.defaults(), "", "", "", relayPort, 1);
    }

    /**
     * As above, retrying after {@code retrySeconds}: longer than the scheduler's scan interval (60 s), a
     * deferred message waits on disk, out of the scheduler's memory.
     */
    public static MailroomFixture startWithRelayPort(Path dir, int relayPort, int retrySeconds, String extraToml)
            throws Exception {
        return start(dir, SinkServer.SinkSettings.defaults(), extraToml, "", "", relayPort, retrySeconds);
    }

    /** @param relayToml more keys for the [relay] table (tls, username, ...) */
    public static MailroomFixture start(Path dir, SinkServer.SinkSettings sinkSettings, String extraToml,
                                        String relayToml) throws Exception {
        return start(dir, sinkSettings, extraToml, relayToml, "", -1, 1);
    }

    /** @param authToml more keys for the [auth] table (throttle limits, ...) */
    public static MailroomFixture startWithAuth(Path dir, String authToml) throws Exception {
        return start(dir, SinkServer.SinkSettings.defaults(), "", "", authToml, -1, 1);
    }

    private static MailroomFixture start(Path dir, SinkServer.SinkSettings sinkSettings, String extraToml,
                                         String relayToml, String authToml, int relayPort, int retrySeconds)
            throws Exception {
        SinkServer sink = SinkServer.start(sinkSettings);
        Path config = dir.resolve("mailroom.toml");
        String toml = """
                hostname = "mail.example.com"
                data_dir = "data"

                [domains]
                default = "example.com"
                local = ["example.com"]

                [[listener]]
                name = "submission"
                listen = "127.0.0.1:0"
                tls = "starttls"

                [[listener]]
                name = "submissions"
                listen = "127.0.0.1:0"
                tls = "implicit"

                [[listener]]
                name = "trusted"
                listen = "127.0.0.1:0"
                tls = "none"
                trusted_networks = ["127.0.0.0/8"]

                [[listener]]
                name = "postmaster"
                listen = "127.0.0.1:0"
                tls = "starttls"
                postmaster_without_auth = true

                [relay]
                host = "127.0.0.1"
                port = %d
                retry_initial_seconds = %d
                retry_max_seconds = %d
                """.formatted(relayPort > 0 ? relayPort : sink.port(), retrySeconds, Math.max(2, retrySeconds)) + relayToml
                + "\n[auth]\nargon2_memory_kib = 1024\nargon2_iterations = 1\n" + authToml + extraToml;
        Files.writeString(config, toml);
        UsersFile users = new UsersFile(dir.resolve("data/users"), new PasswordHasher(TEST_ARGON2));
        Files.createDirectories(dir.resolve("data"));
        users.add(ALICE, ALICE_PASSWORD, Set.of("@alice.example"), Set.of("team@example.com"));
        users.add(BOB, BOB_PASSWORD, Set.of(), Set.of());
        MailroomServer server = MailroomServer.start(ConfigLoader.load(config));
        return new MailroomFixture(dir, sink, server, config);
    }

    public int submission() {
        return server.port("submission");
    }

    public int submissions() {
        return server.port("submissions");
    }

    public int trusted() {
        return server.port("trusted");
    }

    public int postmaster() {
        return server.port("postmaster");
    }

    /** A client on 587-style STARTTLS, logged in as alice, ready for MAIL. */
    public SmtpTestClient aliceSession() throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(submission()).startSecure("client.example.com");
        SmtpTestClient.expect(c.authPlain(ALICE, ALICE_PASSWORD), 235);
        return c;
    }

    public List<dev.mailroom.sink.ReceivedMessage> awaitRelayed(int count) throws Exception {
        return sink.awaitCount(count, Duration.ofSeconds(20));
    }

    public Path spoolQueue() {
        return dir.resolve("data/spool/queue");
    }

    @Override
    public void close() {
        server.close();
        sink.close();
    }
}
