package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.MailroomFixture;
import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer.SinkSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail for the local domains, end to end through a running Mailroom: received on a port-25 (transfer) listener or
 * submitted, resolved through the aliases file, stored in Maildir or handed to a real Dovecot over LMTP, and the
 * alias targets elsewhere forwarded through the queue.
 */
class LocalDeliveryEndToEndTest {
    @TempDir
    Path dir;

    private static final String TRANSFER_LISTENER = """

            [[listener]]
            name = "mx"
            listen = "127.0.0.1:0"
            role = "transfer"
            tls = "starttls"
            """;

    private static void send(int port, String from, List<String> rcpts, String message) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO sender.example.net"), 250);
            SmtpTestClient.expect(c.cmd("MAIL FROM:<" + from + ">"), 250);
            for (String r : rcpts) {
                SmtpTestClient.expect(c.cmd("RCPT TO:<" + r + ">"), 250);
            }
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(message + ".\r\n");
            SmtpTestClient.expect(c.read(), 250);
        }
    }

    private static List<byte[]> awaitMaildir(Path newDir, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<byte[]> out = new ArrayList<>();
            if (Files.isDirectory(newDir)) {
                try (Stream<Path> files = Files.list(newDir)) {
                    for (Path p : files.sorted().toList()) {
                        out.add(Files.readAllBytes(p));
                    }
                }
            }
            if (out.size() >= count || System.nanoTime() > deadline) {
                assertThat(out).as("messages in " + newDir).hasSize(count);
                return out;
            }
            Thread.sleep(20);
        }
    }

    private static void awaitEmptyQueue(MailroomFixture mr) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            long n;
            try (Stream<Path> files = Files.list(mr.spoolQueue())) {
                n = files.count();
            }
            if (n == 0 || System.nanoTime() > deadline) {
                assertThat(n).as("files left in the queue").isZero();
                return;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void port25MailForUsersAndAliasesLandsInMaildirAndRemoteAliasTargetsAreForwarded() throws Exception {
        Files.writeString(dir.resolve("aliases"), """
                # the team: one local user, one elsewhere
                team: bob, carol@elsewhere.test
                """);
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkSettings.defaults(), TRANSFER_LISTENER + """

                [local]
                delivery = "maildir"
                aliases_file = "aliases"
                """)) {
            int port = mr.server.port("mx");
            String message = "From: dave@example.net\r\nTo: team@example.com\r\nSubject: hello team\r\n\r\nbody\r\n";
            send(port, "dave@example.net", List.of("team@example.com", "BOB+news@example.com"), message);

            ReceivedMessage forwarded = mr.sink.await(1, Duration.ofSeconds(20));
            assertThat(forwarded.rcptTo()).containsExactly("carol@elsewhere.test");
            assertThat(forwarded.mailFrom()).isEqualTo("dave@example.net");
            assertThat(forwarded.text()).endsWith("\r\n" + message);
            List<byte[]> bob = awaitMaildir(dir.resolve("data/mail/example.com/bob/new"), 2);
            for (byte[] stored : bob) {
                String text = new String(stored, StandardCharsets.UTF_8);
                assertThat(text).startsWith("Return-Path: <dave@example.net>\r\nDelivered-To: bob@example.com\r\n"
                        + "Received: from sender.example.net");
                assertThat(text).endsWith("\r\n" + message); // the message itself, byte for byte
            }
            awaitEmptyQueue(mr);
            assertThat(Files.list(dir.resolve("data/mail/example.com/bob/new"))).hasSize(2); // no duplicates
        }
    }

    @Test
    void anUnknownLocalUserIsRefusedOnPort25() throws Exception {
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkSettings.defaults(), TRANSFER_LISTENER + """

                [local]
                delivery = "maildir"
                """)) {
            try (SmtpTestClient c = SmtpTestClient.connect(mr.server.port("mx"))) {
                SmtpTestClient.expect(c.read(), 220);
                SmtpTestClient.expect(c.cmd("EHLO sender.example.net"), 250);
                SmtpTestClient.expect(c.cmd("MAIL FROM:<dave@example.net>"), 250);
                SmtpTestClient.Reply r = c.cmd("RCPT TO:<nobody@example.com>");
                assertThat(r.code()).isEqualTo(550);
                assertThat(r.enhanced()).isEqualTo("5.1.1");
                SmtpTestClient.expect(c.cmd("RCPT TO:<postmaster@example.com>"), 250);
            }
        }
    }

    @Test
    void submittedMailForALocalUserGoesToDovecotOverLmtp() throws Exception {
        Files.createDirectories(dir.resolve("mr"));
        try (DovecotLmtp dovecot = DovecotLmtp.start(dir.resolve("dovecot"), List.of("bob@example.com"))) {
            try (MailroomFixture mr = MailroomFixture.start(dir.resolve("mr"), SinkSettings.defaults(), """

                    [local]
                    delivery = "lmtp"
                    lmtp = "%s"
                    """.formatted(dovecot.tcp()))) {
                String message = "From: a@example.com\r\nTo: bob@example.com\r\nSubject: via lmtp\r\n\r\nhello bob\r\n";
                send(mr.trusted(), "a@example.com", List.of("bob@example.com"), message);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                List<byte[]> got = dovecot.delivered("bob@example.com");
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    got = dovecot.delivered("bob@example.com");
                }
                assertThat(got).as(dovecot.log()).hasSize(1);
                String stored = new String(got.getFirst(), StandardCharsets.UTF_8);
                assertThat(stored).contains("Subject: via lmtp\r\n").endsWith("hello bob\r\n");
                assertThat(mr.sink.messages()).isEmpty();
            }
        }
    }
}
