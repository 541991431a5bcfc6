package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.dns.TestZone;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * MX delivery with {@code [dns] dnssec = true} (DANE-01), end to end: a real Mailroom resolves through a test DNS
 * server serving a zone signed at test time, with the zone's trust anchor file in its configuration.
 */
class DnssecMxDeliveryTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private TestZone zone;
    private SinkServer mx;
    private MailroomFixture mr;

    @BeforeEach
    void setUp() throws Exception {
        dns = TestDnsServer.start();
        zone = dns.signedZone("remote.test.");
        dns.add("remote.test. MX 10 mx.remote.test.", "mx.remote.test. A 127.0.0.2");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            port = probe.getLocalPort();
        }
        mx = SinkServer.start(SinkSettings.defaults().withBind(InetAddress.getByName("127.0.0.2")).withPort(port));
        Files.writeString(dir.resolve("trust-anchors.txt"), zone.trustAnchor());
        mr = MailroomFixture.start(dir, SinkSettings.defaults(), """

                [delivery]
                remote = "mx"
                mx_port = %d

                [dns]
                resolvers = ["127.0.0.1:%d"]
                timeout_millis = 1000
                dnssec = true
                trust_anchors = "%s"
                """.formatted(port, dns.port(), dir.resolve("trust-anchors.txt")));
    }

    @AfterEach
    void tearDown() {
        mr.close();
        mx.close();
        dns.close();
    }

    private void submit(String marker) throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<x@remote.test>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
    }

    private String stateFiles() throws IOException {
        try (Stream<Path> files = Files.list(mr.spoolQueue())) {
            return files.filter(p -> p.toString().endsWith(".state")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).reduce("", String::concat);
        }
    }

    @Test
    void a_signed_mx_rrset_that_validates_is_delivered_to() throws Exception {
        String marker = Wire.marker();
        submit(marker);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (mx.messages().stream().noneMatch(m -> m.text().contains(marker)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(mx.messages()).anyMatch(m -> m.text().contains(marker));
        assertThat(dns.queries("remote.test.")).anyMatch(q -> q.type() == Type.DNSKEY);
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void DANE_01_a_bogus_mx_rrset_defers_with_4_4_3_and_nothing_is_sent() throws Exception {
        zone.corruptSignature("remote.test.", Type.MX);
        submit(Wire.marker());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String states = stateFiles();
        while (!states.contains("4.4.3") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            states = stateFiles();
        }
        assertThat(states).contains("4.4.3").contains("bogus");
        assertThat(mx.messages()).isEmpty();
    }
}
