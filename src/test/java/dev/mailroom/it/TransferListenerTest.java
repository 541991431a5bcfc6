package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.queue.FileSpool;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.smtp.SmtpReply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transfer listener (port 25 role, RFC 5321) against a real server: which recipients it takes, the
 * classic open-relay probes, relay networks, AUTH only where configured, the loop limit, the Received field
 * and what reaches the spool. The smarthost answers 451 to every message, so what was accepted stays in
 * the spool to be read back exactly as stored.
 */
class TransferListenerTest {
    private static final Pattern DATE = Pattern.compile("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");

    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        Behaviour hold = new Behaviour() {
            @Override
            public SmtpReply onMail(String from, List<String> params) {
                return SmtpReply.of(451, "4.3.2", "held for the test");
            }
        };
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults().withBehaviour(hold), """

                [policy.aliases]
                "sales@example.com" = ["alice@example.com"]

                [[listener]]
                name = "mx"
                listen = "127.0.0.1:0"
                role = "transfer"

                [[listener]]
                name = "mx-auth"
                listen = "127.0.0.1:0"
                role = "transfer"
                auth = true

                [transfer]
                relay_domains = ["relay.example"]
                max_received_headers = 50
                relay_networks = ["127.0.0.2/32"]
                """);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    static int mx() {
        return mr.server.port("mx");
    }

    static SmtpTestClient mxSession() throws IOException {
        return Wire.plainSession(mx());
    }

    /** The content of a stored message, exactly as the spool holds it. */
    static String stored(String queueId) throws IOException {
        StoredMessage m = FileSpool.openForReading(mr.dir.resolve("data/spool")).read(queueId);
        try (InputStream in = m.openContent()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static StoredMessage storedMessage(String queueId) throws IOException {
        return FileSpool.openForReading(mr.dir.resolve("data/spool")).read(queueId);
    }

    static String queueId(SmtpTestClient.Reply r) {
        expect(r, 250, "2.0.0");
        assertThat(r.first()).startsWith("2.0.0 OK queued as ");
        return r.first().substring("2.0.0 OK queued as ".length()).strip();
    }

    static String data(SmtpTestClient c, String message) throws IOException {
        SmtpTestClient.expect(c.cmd("DATA"), 354);
        c.writeBytes(Submit.dotStuff(message.getBytes(StandardCharsets.UTF_8)));
        c.write(".\r\n");
        return queueId(c.read());
    }

    /** A message as another MTA would pass it on: no Date, no Message-ID (nothing may be added on port 25). */
    static String message(String marker) {
        return "From: Sender <sender@remote.example>\r\nTo: alice@example.com\r\nSubject: " + marker + "\r\n\r\n"
                + "Hello.\r\n.a line with a leading dot\r\n";
    }

    static String messageWithReceived(int received, String marker) {
        StringBuilder sb = new StringBuilder();
        for (int i = received; i > 0; i--) {
            sb.append("Received: from hop").append(i).append(".example by hop").append(i + 1)
                    .append(".example with ESMTP id h").append(i).append(";\r\n\tMon, 1 Jan 2024 00:00:0").append(i % 10)
                    .append(" +0000\r\n");
        }
        return sb + message(marker);
    }

    @Test
    void TRANSFER_01_localRecipientIsStoredWithReceivedFirstAndEveryOtherByteAsSent() throws Exception {
        String original = message("stored");
        String id;
        try (SmtpTestClient c = mxSession()) {
            // RFC 3207 section 4: no STARTTLS needed on port 25
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            id = data(c, original);
        }
        String content = stored(id);
        int end = content.indexOf("\r\n", content.indexOf("\r\n\tfor ") + 2) + 2;
        String received = content.substring(0, end);
        // RFC 5321 section 4.4: from (TCP-info with the client's IP), by, with (RFC 3848), id, for; date
        assertThat(received).matches("Received: from client\\.example\\.com \\((localhost )?\\[127\\.0\\.0\\.1\\]\\)\r\n"
                + "\tby mail\\.example\\.com \\(Mailroom\\) with ESMTP\r\n"
                + "\tid " + id + "\r\n"
                + "\tfor <alice@example\\.com>; " + DATE.pattern() + "\r\n");
        // RFC 6409 section 8: no Date or Message-ID added by an MTA; the rest is byte for byte as sent
        assertThat(content.substring(end)).isEqualTo(original);
        StoredMessage m = storedMessage(id);
        assertThat(m.envelope().reversePathText()).isEqualTo("sender@remote.example");
        assertThat(m.envelope().recipients()).extracting(r -> r.mailbox().address()).containsExactly("alice@example.com");
        assertThat(m.authenticatedUser()).isNull();
    }

    @Test
    void TRANSFER_02_overTlsTheProtocolIsEsmtpsWithTheCipher() throws Exception {
        String id;
        try (SmtpTestClient c = SmtpTestClient.connect(mx()).startSecure("client.example.com")) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<bob@example.com>"), 250, "2.1.5");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            id = data(c, message("tls"));
        }
        String content = stored(id);
        assertThat(content).startsWith("Received: from client.example.com (");
        assertThat(content.lines().toList().get(1)).matches("\tby mail\\.example\\.com \\(Mailroom\\) with ESMTPS \\(TLSv1\\.[23] TLS_[A-Z0-9_]+\\)");
        // two recipients: no "for" clause (RFC 5321 section 4.4 makes it optional; it would disclose the other)
        assertThat(content.lines().toList().get(2)).matches("\tid " + id + "; " + DATE.pattern());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ALICE@EXAMPLE.COM", "\"alice\"@example.com", "sales@example.com", "bob@Example.Com"})
    void TRANSFER_03_usersAndAliasesOfLocalDomainsAreAccepted(String address) throws Exception {
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<" + address + ">"), 250, "2.1.5");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nobody@example.com", "alice.x@example.com", "alice@example.com.", "carol@example.com"})
    void TRANSFER_04_unknownLocalUserIs550_511(String address) throws Exception {
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            SmtpTestClient.Reply r = c.cmd("RCPT TO:<" + address + ">");
            if (address.endsWith(".")) {
                expect(r, 501, "5.1.3"); // a trailing dot is not RFC 5321 syntax (SMTP-11)
            } else {
                expect(r, 550, "5.1.1");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postmaster@example.com", "PostMaster@EXAMPLE.com", "abuse@example.com", "Abuse@example.com",
            "\"postmaster\"@example.com", "postmaster"})
    void TRANSFER_05_postmasterAndAbuseAlwaysExist(String address) throws Exception {
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            // RFC 5321 section 4.5.1 (postmaster, also without a domain: 4.1.1.3), RFC 2142 (abuse)
            expect(c.cmd("RCPT TO:<" + address + ">"), 250, "2.1.5");
        }
    }

    @Test
    void TRANSFER_05_barePostmasterIsStoredAsPostmasterOfTheDefaultDomain() throws Exception {
        String id;
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<Postmaster>"), 250, "2.1.5");
            id = data(c, message("postmaster"));
        }
        assertThat(storedMessage(id).envelope().recipients()).extracting(r -> r.mailbox().address())
                .containsExactly("Postmaster@example.com");
        assertThat(stored(id)).contains("\r\n\tfor <Postmaster@example.com>; ");
    }

    @Test
    void TRANSFER_06_relayDomainIsAcceptedForAnyLocalPartAndStored() throws Exception {
        String id;
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<anyone@relay.example>"), 250, "2.1.5");
            expect(c.cmd("RCPT TO:<Someone.Else@RELAY.example>"), 250, "2.1.5");
            id = data(c, message("relay domain"));
        }
        assertThat(storedMessage(id).envelope().recipients()).extracting(r -> r.mailbox().address())
                .containsExactly("anyone@relay.example", "Someone.Else@RELAY.example");
    }

    /**
     * The classic open-relay probes (RFC 2505; the list relay testers have sent since 1998), each with the
     * exact reply. Why each is refused is written beside the rule in TransferPolicy and LocalPart.
     */
    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "<user@remote.example>|554|5.7.1",
            "<user%remote.example@example.com>|550|5.1.1",
            "<alice%remote.example@example.com>|550|5.1.1",
            "<remote.example!user@example.com>|550|5.1.1",
            "<user@remote.example@example.com>|501|5.1.3",
            "<@example.com:user@remote.example>|554|5.7.1",
            "<@mail.example.com,@example.com:user@remote.example>|554|5.7.1",
            "<\"user@remote.example\"@example.com>|550|5.1.1",
            "<\"alice@remote.example\"@example.com>|550|5.1.1",
            "<\"user%remote.example\"@example.com>|550|5.1.1",
            "<user%remote.example@relay.example>|554|5.7.1",
            "<remote.example!user@relay.example>|554|5.7.1",
            "<\"user@remote.example\"@relay.example>|554|5.7.1",
            "<@relay.example:user@remote.example>|554|5.7.1",
            "<user@[192.0.2.1]>|554|5.7.1",
            "<user@[127.0.0.1]>|554|5.7.1",
            "<user@example.com.remote.example>|554|5.7.1",
            "<user@sub.example.com>|554|5.7.1",
            "<user@sub.relay.example>|554|5.7.1",
            "<user>|501|5.1.3",
    })
    void TRANSFER_07_openRelayProbesAreRefused(String path, int code, String enhanced) throws Exception {
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:" + path), code, enhanced);
            // nothing was accepted: the transaction has no recipient
            expect(c.cmd("DATA"), 554, "5.5.1");
        }
    }

    @Test
    void TRANSFER_07_relayProbesAreRefusedFromTheNullSenderToo() throws Exception {
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<user@remote.example>"), 554, "5.7.1");
        }
    }

    @Test
    void TRANSFER_08_relayNetworksMayRelayAnywhere() throws Exception {
        String id;
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.2", mx())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO inside.example.com"), 250);
            expect(c.cmd("MAIL FROM:<someone@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<user@remote.example>"), 250, "2.1.5");
            // unknown local users are still unknown
            expect(c.cmd("RCPT TO:<nobody@example.com>"), 550, "5.1.1");
            id = data(c, message("relay network"));
        }
        assertThat(stored(id)).startsWith("Received: from inside.example.com (").contains("[127.0.0.2])\r\n");
        // the neighbouring address is outside the /32
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.3", mx())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO outside.example.com"), 250);
            expect(c.cmd("MAIL FROM:<someone@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<user@remote.example>"), 554, "5.7.1");
        }
    }

    @Test
    void TRANSFER_09_ehloOffersTheTransferExtensionsAndStartTlsButNoAuth() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mx())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.Reply ehlo = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            List<String> keywords = ehlo.lines().subList(1, ehlo.lines().size());
            assertThat(keywords).contains("PIPELINING", "ENHANCEDSTATUSCODES", "SIZE 52428800", "8BITMIME", "SMTPUTF8",
                    "DSN", "CHUNKING", "STARTTLS");
            assertThat(keywords).noneMatch(k -> k.startsWith("AUTH"));
            expect(c.cmd("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString("\0a\0b".getBytes(StandardCharsets.UTF_8))),
                    502, "5.5.1");
            expect(c.starttls(), 220, "2.0.0");
            SmtpTestClient.Reply afterTls = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            assertThat(afterTls.lines()).doesNotContain("STARTTLS").noneMatch(k -> k.startsWith("AUTH"));
            expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 502, "5.5.1");
        }
    }

    @Test
    void TRANSFER_10_authIsOfferedInsideTlsWhenConfiguredAndThenRelayIsAllowed() throws Exception {
        int port = mr.server.port("mx-auth");
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            SmtpTestClient.expect(c.read(), 220);
            // RFC 4954 section 4 / RFC 8314: no password in clear, so no AUTH before TLS
            assertThat(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250).lines()).noneMatch(k -> k.startsWith("AUTH"));
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<carol@remote.example>"), 554, "5.7.1");
        }
        String id;
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.startSecure("client.example.com");
            SmtpTestClient.Reply ehlo = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            assertThat(ehlo.lines()).anyMatch(k -> k.startsWith("AUTH ") && k.contains("PLAIN"));
            expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 235, "2.7.0");
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
            id = data(c, message("authenticated relay"));
        }
        assertThat(stored(id).lines().toList().get(1)).contains(" with ESMTPSA (TLSv1.");
        assertThat(storedMessage(id).authenticatedUser()).isEqualTo(MailroomFixture.ALICE);
    }

    @Test
    void TRANSFER_11_moreReceivedFieldsThanTheLimitIsALoop554_546AndNothingIsStored() throws Exception {
        List<String> before = queued();
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(messageWithReceived(51, "loop") + ".\r\n");
            expect(c.read(), 554, "5.4.6");
            // the same with BDAT, the fields split across chunks
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            expect(Submit.content(c, Submit.Mode.BDAT, messageWithReceived(51, "loop bdat")), 554, "5.4.6");
            // the session goes on
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        assertThat(queued()).isEqualTo(before);
        Submit.awaitEmpty(mr.dir.resolve("data/spool/incoming"));
    }

    @Test
    void TRANSFER_11_exactlyTheLimitIsAccepted() throws Exception {
        String original = messageWithReceived(50, "fifty");
        String id;
        try (SmtpTestClient c = mxSession()) {
            expect(c.cmd("MAIL FROM:<sender@remote.example>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            id = data(c, original);
        }
        String content = stored(id);
        assertThat(content).startsWith("Received: from client.example.com").endsWith(original);
        assertThat(Submit.Parts.of(content.getBytes(StandardCharsets.UTF_8)).count("Received")).isEqualTo(51);
    }

    @Test
    void TRANSFER_12_nullSenderIsAccepted() throws Exception {
        String id;
        try (SmtpTestClient c = mxSession()) {
            // RFC 5321 section 4.5.5, RFC 2505 recommendation 6a: bounces must get through
            expect(c.cmd("MAIL FROM:<>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5");
            id = data(c, "From: MAILER-DAEMON@remote.example\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n");
        }
        assertThat(storedMessage(id).envelope().reversePath()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"<sender>|501|5.1.7", "<postmaster>|501|5.1.7", "<a@b@remote.example>|501|5.1.7"})
    void TRANSFER_12_unqualifiedSenderIsRefused(String path, int code, String enhanced) throws Exception {
        try (SmtpTestClient c = mxSession()) {
            // RFC 5321 section 4.1.2: a Mailbox has a domain; <Postmaster> alone is for RCPT only (4.1.1.3)
            expect(c.cmd("MAIL FROM:" + path), code, enhanced);
        }
    }

    @Test
    void TRANSFER_13_swaksDeliversToPostmasterOverStartTlsAndIsRefusedForARelay() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(RealClientsTest.onPath("swaks"), "swaks not installed");
        Swaks sent = swaks("--server", "127.0.0.1:" + mx(), "--tls", "--helo", "mx.remote.example",
                "--from", "sender@remote.example", "--to", "postmaster@example.com",
                "--header", "Subject: swaks to port 25", "--timeout", "20");
        assertThat(sent.exitCode()).as(sent.transcript()).isZero();
        assertThat(sent.transcript()).contains("<~  250 2.1.5").contains("<~  250 2.0.0 OK queued as ");
        String id = sent.transcript().lines().filter(l -> l.contains("OK queued as ")).findFirst().orElseThrow()
                .replaceAll(".*OK queued as ", "").strip();
        assertThat(stored(id)).startsWith("Received: from mx.remote.example (").contains(" with ESMTPS (TLSv1.")
                .contains("Subject: swaks to port 25");

        Swaks refused = swaks("--server", "127.0.0.1:" + mx(), "--helo", "probe.example",
                "--from", "spammer@remote.example", "--to", "victim@elsewhere.example", "--timeout", "20");
        assertThat(refused.transcript()).contains("<** 554 5.7.1 Relaying denied for <victim@elsewhere.example>");
        assertThat(refused.exitCode()).isNotZero();
    }

    record Swaks(int exitCode, String transcript) {}

    static Swaks swaks(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("swaks"));
        command.addAll(List.of(args));
        Path out = java.nio.file.Files.createTempFile(dir, "swaks", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("swaks did not finish: " + java.nio.file.Files.readString(out));
        }
        return new Swaks(p.exitValue(), java.nio.file.Files.readString(out));
    }

    private static List<String> queued() throws IOException {
        return FileSpool.openForReading(mr.dir.resolve("data/spool")).list();
    }
}
