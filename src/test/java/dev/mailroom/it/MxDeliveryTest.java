package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.smtp.SmtpReply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct delivery to MX hosts (RFC 5321 section 5.1): a DNS server of the test's own serves the MX records, and
 * smtp sinks on 127.0.0.2, 127.0.0.3 and 127.0.0.4 play the destination servers, all on one port (MX hosts are
 * reached on one port, 25 in real life).
 */
class MxDeliveryTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private int mxPort;
    private final List<SinkServer> sinks = new ArrayList<>();
    private MailroomFixture mr;

    @BeforeEach
    void setUp() throws Exception {
        dns = TestDnsServer.start();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            mxPort = probe.getLocalPort();
        }
        dns.add("remote.test. MX 10 mx1.remote.test.", "remote.test. MX 20 mx2.remote.test.",
                "mx1.remote.test. A 127.0.0.2", "mx2.remote.test. A 127.0.0.3",
                "implicit.test. A 127.0.0.4",
                "nullmx.test. MX 0 .",
                "routed.test. MX 10 mx1.remote.test.",
                "backup.test. MX 10 mx1.remote.test.", "backup.test. MX 20 mail.example.com.",
                "primary.test. MX 10 mail.example.com.", "primary.test. MX 20 mx2.remote.test.",
                "mail.example.com. A 127.0.0.9");
    }

    @AfterEach
    void tearDown() {
        if (mr != null) {
            mr.close();
        }
        sinks.forEach(SinkServer::close);
        dns.close();
    }

    private SinkServer sinkOn(String address, Behaviour behaviour, SinkSettings base) throws Exception {
        SinkServer s = SinkServer.start(base.withBind(InetAddress.getByName(address)).withPort(mxPort)
                .withBehaviour(behaviour));
        sinks.add(s);
        return s;
    }

    private SinkServer sinkOn(String address) throws Exception {
        return sinkOn(address, Behaviour.ACCEPT_ALL, SinkSettings.defaults());
    }

    private void startMailroom(String deliveryExtra) throws Exception {
        mr = MailroomFixture.start(dir, SinkSettings.defaults(), """

                [delivery]
                remote = "mx"
                mx_port = %d
                %s

                [dns]
                resolvers = ["127.0.0.1:%d"]
                timeout_millis = 1000
                """.formatted(mxPort, deliveryExtra, dns.port()));
    }

    private void submit(String marker, String... rcpts) throws Exception {
        submitWith(marker, "", rcpts);
    }

    private void submitWith(String marker, String mailParams, String... rcpts) throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>" + mailParams), 250, "2.1.0");
            for (String r : rcpts) {
                expect(c.cmd("RCPT TO:<" + r + ">"), 250, "2.1.5");
            }
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
    }

    private static ReceivedMessage awaitOne(SinkServer s, String marker) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ReceivedMessage m : s.messages()) {
                if (m.text().contains(marker)) {
                    return m;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing with " + marker + " arrived at " + s.address());
    }

    @Test
    void theLowestPreferenceMxGetsTheMessageWithAllItsRecipientsInOneTransaction() throws Exception {
        SinkServer mx1 = sinkOn("127.0.0.2");
        SinkServer mx2 = sinkOn("127.0.0.3");
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "x@remote.test", "y@REMOTE.test");
        ReceivedMessage m = awaitOne(mx1, marker);
        assertThat(m.rcptTo()).containsExactly("x@remote.test", "y@REMOTE.test");
        assertThat(m.mailFrom()).isEqualTo("a@example.com");
        assertThat(m.heloName()).isEqualTo("mail.example.com");
        assertThat(mx2.messages()).isEmpty();
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void whenTheFirstMxIsDownTheNextOneIsTried() throws Exception {
        SinkServer mx2 = sinkOn("127.0.0.3"); // nothing listens on 127.0.0.2
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "x@remote.test");
        assertThat(awaitOne(mx2, marker).rcptTo()).containsExactly("x@remote.test");
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void withoutMxTheDomainsOwnAddressIsUsed() throws Exception {
        SinkServer implicit = sinkOn("127.0.0.4");
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "z@implicit.test");
        assertThat(awaitOne(implicit, marker).rcptTo()).containsExactly("z@implicit.test");
    }

    @Test
    void aTemporaryRefusalIsRetriedUntilAccepted() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        SinkServer mx1 = sinkOn("127.0.0.2", new Behaviour() {
            @Override
            public SmtpReply onData(ReceivedMessage message) {
                return seen.incrementAndGet() == 1 ? SmtpReply.of(451, "4.3.0", "try again later")
                        : SmtpReply.of(250, "2.0.0", "ok");
            }
        }, SinkSettings.defaults());
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "x@remote.test");
        awaitOne(mx1, marker);
        assertThat(seen.get()).isEqualTo(2);
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void aRecipientRefusedFor5xxIsNotRetriedWhileTheOthersAreDelivered() throws Exception {
        AtomicInteger rcptCalls = new AtomicInteger();
        SinkServer mx1 = sinkOn("127.0.0.2", new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                rcptCalls.incrementAndGet();
                return to.startsWith("nobody@") ? SmtpReply.of(550, "5.1.1", "no such user")
                        : SmtpReply.of(250, "2.1.5", "ok");
            }
        }, SinkSettings.defaults());
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "x@remote.test", "nobody@remote.test");
        assertThat(awaitOne(mx1, marker).rcptTo()).containsExactly("x@remote.test");
        Wire.awaitEmptySpool(mr);
        assertThat(rcptCalls.get()).isEqualTo(2);
    }

    @Test
    void aNullMxFailsAtOnceWithoutAnyConnectionOrRetry() throws Exception {
        SinkServer mx1 = sinkOn("127.0.0.2");
        startMailroom("");
        String marker = Wire.marker();
        submit(marker, "x@nullmx.test", "x@remote.test");
        assertThat(awaitOne(mx1, marker).rcptTo()).containsExactly("x@remote.test");
        Wire.awaitEmptySpool(mr); // the null-MX recipient failed for good: nothing left to retry
        assertThat(dns.queries("nullmx.test")).hasSize(1);
    }

    @Test
    void weNeverDeliverToOurselvesOrToLessPreferredMxHosts() throws Exception {
        // RFC 5321 section 5.1: mail.example.com is this server's own name.
        SinkServer mx1 = sinkOn("127.0.0.2");
        SinkServer mx2 = sinkOn("127.0.0.3");
        startMailroom("");
        String backup = Wire.marker();
        submit(backup, "x@backup.test"); // we are the backup MX: the primary gets it
        assertThat(awaitOne(mx1, backup).rcptTo()).containsExactly("x@backup.test");
        String primary = Wire.marker();
        submit(primary, "x@primary.test"); // we are the best MX: nothing to hand it to, a loop
        Wire.awaitEmptySpool(mr);
        assertThat(mx2.messages()).noneMatch(m -> m.text().contains(primary));
        assertThat(mx1.messages()).noneMatch(m -> m.text().contains(primary));
    }

    @Test
    void startTlsIsUsedWhenOfferedAndRequiredTlsVerifiesTheMxName() throws Exception {
        // mx1.remote.test has a certificate for its name, from a CA (itself) that [delivery] trusted_ca names.
        var mxTls = dev.mailroom.tls.ServerTls.selfSigned(dir.resolve("mx-tls"), "mx1.remote.test");
        SinkServer mx1 = sinkOn("127.0.0.2", Behaviour.ACCEPT_ALL, SinkSettings.defaults().withStartTls(mxTls.context()));
        SinkServer plain = sinkOn("127.0.0.4"); // implicit.test: no STARTTLS at all
        mr = MailroomFixture.start(dir, SinkSettings.defaults(), """

                [delivery]
                remote = "mx"
                mx_port = %d
                trusted_ca = "mx-tls/cert.pem"
                [delivery.tls_policy]
                "remote.test" = "required"
                "implicit.test" = "required"

                [dns]
                resolvers = ["127.0.0.1:%d"]
                timeout_millis = 1000
                """.formatted(mxPort, dns.port()));
        String verified = Wire.marker();
        submit(verified, "x@remote.test");
        assertThat(awaitOne(mx1, verified).tls()).isTrue();
        String refused = Wire.marker();
        submit(refused, "x@implicit.test"); // required, but the host offers no STARTTLS: deferred, never in clear
        Thread.sleep(1500);
        assertThat(plain.messages()).isEmpty();
        assertThat(Wire.spoolFiles(mr)).isPositive();
    }

    @Test
    void anUntrustedCertificateDefersWhenTlsIsRequired() throws Exception {
        var mxTls = dev.mailroom.tls.ServerTls.selfSigned(dir.resolve("mx-tls"), "mx1.remote.test");
        SinkServer mx1 = sinkOn("127.0.0.2", Behaviour.ACCEPT_ALL, SinkSettings.defaults().withStartTls(mxTls.context()));
        startMailroom("[delivery.tls_policy]\n\"remote.test\" = \"required\"");
        String marker = Wire.marker();
        submit(marker, "x@remote.test");
        Thread.sleep(1500);
        assertThat(mx1.messages()).isEmpty();
        assertThat(Wire.spoolFiles(mr)).isPositive();
        mr.close();
        mr = null;
        // opportunistic: the same self-signed host gets it, encrypted
        Path second = java.nio.file.Files.createDirectories(dir.resolve("second"));
        mr = MailroomFixture.start(second, SinkSettings.defaults(), """

                [delivery]
                remote = "mx"
                mx_port = %d

                [dns]
                resolvers = ["127.0.0.1:%d"]
                timeout_millis = 1000
                """.formatted(mxPort, dns.port()));
        String again = Wire.marker();
        submit(again, "x@remote.test");
        assertThat(awaitOne(mx1, again).tls()).isTrue();
    }

    @Test
    void aDestinationNoHostOfWhichAnswersIsSuspendedInsteadOfHammered() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        sinkOn("127.0.0.4", new Behaviour() {
            @Override
            public SmtpReply onConnect(String hostname) {
                connections.incrementAndGet();
                return SmtpReply.of(421, "4.3.2", "not now"); // the sink closes after this greeting
            }
        }, SinkSettings.defaults());
        startMailroom("");
        submit(Wire.marker(), "a@implicit.test");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (connections.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        submit(Wire.marker(), "b@implicit.test");
        submit(Wire.marker(), "c@implicit.test");
        Thread.sleep(1000); // both attempted meanwhile, and deferred without connecting
        assertThat(connections.get()).isEqualTo(1);
        String lastErrors;
        try (var files = java.nio.file.Files.list(mr.spoolQueue())) {
            lastErrors = files.filter(p -> p.toString().endsWith(".state")).map(p -> {
                try {
                    return java.nio.file.Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).reduce("", String::concat);
        }
        assertThat(lastErrors).contains("delivery temporarily suspended");
        mr.server.scheduler().flushAll(); // the operator's flush lifts the suspension
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (connections.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(connections.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aStaticRouteWinsOverTheMxRecords() throws Exception {
        SinkServer mx1 = sinkOn("127.0.0.2");
        SinkServer routed = sinkOn("127.0.0.4");
        startMailroom("[delivery.routes]\n\"routed.test\" = \"127.0.0.4:" + mxPort + "\"");
        String marker = Wire.marker();
        submit(marker, "r@routed.test");
        assertThat(awaitOne(routed, marker).rcptTo()).containsExactly("r@routed.test");
        assertThat(mx1.messages()).isEmpty();
    }

    @Test
    void noMoreConcurrentDeliveriesToOneDestinationThanItsLimit() throws Exception {
        AtomicInteger inData = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        SinkServer mx1 = sinkOn("127.0.0.2", new Behaviour() {
            @Override
            public SmtpReply onData(ReceivedMessage message) {
                most.accumulateAndGet(inData.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inData.decrementAndGet();
                return SmtpReply.of(250, "2.0.0", "ok");
            }
        }, SinkSettings.defaults());
        startMailroom("destination_concurrency = 2");
        List<String> markers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String marker = Wire.marker();
            markers.add(marker);
            submit(marker, "x@remote.test");
        }
        for (String marker : markers) {
            awaitOne(mx1, marker);
        }
        assertThat(most.get()).isBetween(1, 2);
    }

    @Test
    void anEightBitMessageToAHopWithout8bitmimeArrivesAsQuotedPrintable() throws Exception {
        SinkServer mx1 = sinkOn("127.0.0.2", Behaviour.ACCEPT_ALL, SinkSettings.defaults().with8bitmime(false));
        startMailroom("");
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> BODY=8BITMIME"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<x@remote.test>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.writeBytes(("From: a@example.com\r\nTo: x@remote.test\r\nSubject: " + marker
                    + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Zürich\r\n.\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            expect(c.read(), 250, "2.0.0");
        }
        ReceivedMessage m = awaitOne(mx1, marker);
        String text = m.text();
        assertThat(text).contains("Content-Transfer-Encoding: quoted-printable").contains("Gr=C3=BC=C3=9Fe aus Z=C3=BCrich");
        for (byte b : m.data()) {
            assertThat(b).as("7-bit only (RFC 6152 section 3)").isGreaterThanOrEqualTo((byte) 0);
        }
        assertThat(m.mailParams()).noneMatch(p -> p.toUpperCase().startsWith("BODY=8BITMIME"));
    }

    @Test
    void anSmtputf8MessageToAHopWithoutSmtputf8FailsFor553WithoutSending() throws Exception {
        SinkServer mx1 = sinkOn("127.0.0.2", Behaviour.ACCEPT_ALL, SinkSettings.defaults().withSmtputf8(false));
        startMailroom("");
        String marker = Wire.marker();
        submitWith(marker, " SMTPUTF8", "x@remote.test");
        Wire.awaitEmptySpool(mr); // failed for good (RFC 6531 section 3.4), not retried
        assertThat(mx1.messages()).isEmpty();
    }
}
