package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailroom.dane.DanePki;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.dns.TestZone;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.sts.PolicyServer;
import dev.mailroom.sts.TestCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * DANE (RFC 7672) in MX delivery, end to end: a real Mailroom with {@code [dns] dnssec = true} resolves through the
 * test's DNS server, which serves the signed zone {@code dane.test.} (its trust anchor in the configuration) and the
 * insecure delegation {@code plain.dane.test.}. The TLSA records sit at {@code _PORT._tcp.<mx host>}, PORT being
 * the test's {@code mx_port}. Sinks: 127.0.0.2 offers STARTTLS with a self-signed certificate for another name and
 * REQUIRETLS, recording the SNI it is sent; 127.0.0.3 offers no STARTTLS; 127.0.0.4 has a certificate from the test
 * CA naming its MX hosts (MTA-STS would accept it). Bounces go by a static route to a verified-TLS sink.
 */
class DaneDeliveryTest {
    private static final String SELF_SIGNED_NAME = "not-the-mx.example";

    @TempDir
    Path dir;

    private TestCa ca;
    private TestDnsServer dns;
    private TestZone zone;
    private PolicyServer https;
    private int mxPort;
    private final List<SinkServer> sinks = new ArrayList<>();
    private final List<String> sniSeen = DanePki.recorder();
    private final AtomicInteger daneConnections = new AtomicInteger();
    private final AtomicInteger plainConnections = new AtomicInteger();
    private final AtomicInteger pkixConnections = new AtomicInteger();
    private SinkServer dane;
    private SinkServer plain;
    private SinkServer pkix;
    private SinkServer home;
    private MailroomFixture mr;

    @BeforeEach
    void setUp() throws Exception {
        ca = TestCa.create("DANE Delivery Test Root");
        ca.writePem(dir.resolve("ca.pem"));
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            mxPort = probe.getLocalPort();
        }
        DanePki.Issued selfSigned = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), SELF_SIGNED_NAME);
        DanePki.Issued stranger = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), SELF_SIGNED_NAME);
        dane = sink("127.0.0.2", SinkSettings.defaults().withRequireTls(true)
                .withStartTls(DanePki.server(selfSigned.keys().getPrivate(), sniSeen, selfSigned.cert())), daneConnections);
        plain = sink("127.0.0.3", SinkSettings.defaults(), plainConnections);
        pkix = sink("127.0.0.4", SinkSettings.defaults().withStartTls(ca.server("mx-both.dane.test", "mx-sts.dane.test")),
                pkixConnections);
        home = SinkServer.start(SinkSettings.defaults().withStartTls(ca.server("127.0.0.1")).withRequireTls(true));
        sinks.add(home);

        https = PolicyServer.start(ca.server("mta-sts.both.dane.test", "mta-sts.sts.dane.test"));
        String enforce = "version: STSv1\r\nmode: enforce\r\nmx: mx-both.dane.test\r\nmx: mx-sts.dane.test\r\n"
                + "max_age: 86400\r\n";
        https.serve("mta-sts.both.dane.test", PolicyServer.Response.policy(enforce));
        https.serve("mta-sts.sts.dane.test", PolicyServer.Response.policy(enforce));

        dns = TestDnsServer.start();
        zone = dns.signedZone("dane.test.");
        dns.unsignedZone("plain.dane.test.");
        String good = DanePki.tlsaText(3, 1, 1, selfSigned.cert());
        String wrong = DanePki.tlsaText(3, 1, 1, stranger.cert());
        dns.add("""
                $ORIGIN dane.test.
                ee               MX    10 mx-ee
                mx-ee            A     127.0.0.2
                _%1$d._tcp.mx-ee TLSA  %2$s
                mismatch         MX    10 mx-mismatch
                mx-mismatch      A     127.0.0.2
                _%1$d._tcp.mx-mismatch TLSA %3$s
                _smtp._tls.mismatch TXT "v=TLSRPTv1; rua=mailto:tlsrpt@mismatch.dane.test"
                nostarttls       MX    10 mx-nostarttls
                mx-nostarttls    A     127.0.0.3
                _%1$d._tcp.mx-nostarttls TLSA %2$s
                unusable         MX    10 mx-unusable
                mx-unusable      A     127.0.0.2
                _%1$d._tcp.mx-unusable TLSA 0 0 1 %4$s
                _%1$d._tcp.mx-unusable TLSA 1 1 1 %5$s
                unusable-clear   MX    10 mx-unusable-clear
                mx-unusable-clear A    127.0.0.3
                _%1$d._tcp.mx-unusable-clear TLSA 0 0 1 %4$s
                bogus            MX    10 mx-bogus
                mx-bogus         A     127.0.0.2
                _%1$d._tcp.mx-bogus TLSA %2$s
                both             MX    10 mx-both
                mx-both          A     127.0.0.4
                _%1$d._tcp.mx-both TLSA %3$s
                _mta-sts.both    TXT   "v=STSv1; id=1"
                mta-sts.both     A     127.0.0.1
                sts              MX    10 mx-sts
                mx-sts           A     127.0.0.4
                _mta-sts.sts     TXT   "v=STSv1; id=1"
                mta-sts.sts      A     127.0.0.1
                $ORIGIN plain.dane.test.
                @                MX    10 mx
                mx               A     127.0.0.2
                _%1$d._tcp.mx    TLSA  %3$s
                """.formatted(mxPort, good, wrong, "ab".repeat(32), "cd".repeat(32)));
        Files.writeString(dir.resolve("trust-anchors.txt"), zone.trustAnchor());
        mr = MailroomFixture.start(dir, SinkSettings.defaults(), """

                [delivery]
                remote = "mx"
                mx_port = %d
                trusted_ca = "ca.pem"
                mta_sts_port = %d
                [delivery.routes]
                "example.com" = "127.0.0.1:%d"

                [dns]
                resolvers = ["127.0.0.1:%d"]
                timeout_millis = 1000
                dnssec = true
                trust_anchors = "%s"
                """.formatted(mxPort, https.port(), home.port(), dns.port(), dir.resolve("trust-anchors.txt")),
                "queue_lifetime_hours = 1\n");
    }

    @AfterEach
    void tearDown() {
        if (mr != null) {
            mr.close();
        }
        sinks.forEach(SinkServer::close);
        https.close();
        dns.close();
    }

    private SinkServer sink(String address, SinkSettings settings, AtomicInteger connections) throws IOException {
        SinkServer s = SinkServer.start(settings.withBind(InetAddress.getByName(address)).withPort(mxPort)
                .withBehaviour(new Behaviour() {
                    @Override
                    public SmtpReply onConnect(String hostname) {
                        connections.incrementAndGet();
                        return Behaviour.super.onConnect(hostname);
                    }
                }));
        sinks.add(s);
        return s;
    }

    private void submit(String marker, String rcpt) throws Exception {
        submitText(Wire.message(marker), rcpt);
    }

    private void submitText(String message, String rcpt) throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<" + rcpt + ">"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(message + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
    }

    /** Alice submits over TLS with REQUIRETLS (RFC 8689 section 4.1). */
    private void submitRequireTls(String marker, String rcpt) throws Exception {
        try (SmtpTestClient c = mr.aliceSession()) {
            expect(c.cmd("MAIL FROM:<alice@example.com> REQUIRETLS"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<" + rcpt + ">"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: alice@example.com\r\nTo: " + rcpt + "\r\nSubject: " + marker + "\r\n\r\nbody " + marker
                    + "\r\n.\r\n");
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

    /** The spool's state files, once they hold {@code text}. */
    private String awaitStates(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String all = "";
        while (System.nanoTime() < deadline) {
            all = states();
            if (all.contains(text)) {
                return all;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(text + " expected in the state files, got: " + all);
    }

    private String states() throws IOException {
        try (Stream<Path> files = Files.list(mr.spoolQueue())) {
            return String.join("\n", files.filter(p -> p.toString().endsWith(".state")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList());
        }
    }

    @Test
    void DANE_04_DANE_05_a_dane_ee_record_for_a_self_signed_wrong_name_certificate_is_delivered_over_tls()
            throws Exception {
        String marker = Wire.marker();
        submit(marker, "x@ee.dane.test");
        assertThat(awaitOne(dane, marker).tls()).isTrue();
        assertThat(sniSeen).containsExactly("mx-ee.dane.test"); // the TLSA base domain, not the certificate's name
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void DANE_02_a_certificate_the_tlsa_records_do_not_match_defers_4_7_5_and_nothing_is_sent() throws Exception {
        String marker = Wire.marker();
        submit(marker, "x@mismatch.dane.test");
        String states = awaitStates("4.7.5");
        assertThat(states).contains("mx-mismatch.dane.test: certificate refused").contains("DANE");
        assertThat(daneConnections.get()).isPositive(); // tried, and refused at the handshake
        assertThat(dane.messages()).isEmpty();

        mr.close(); // writes the day's TLS-RPT counts
        mr = null;
        Path file = dir.resolve("data/tls-rpt/" + LocalDate.now(ZoneOffset.UTC) + "/mismatch.dane.test.json");
        JsonNode report = new ObjectMapper().readTree(Files.readString(file));
        JsonNode p = report.path("policies").get(0);
        assertThat(p.path("policy").path("policy-type").asText()).isEqualTo("tlsa");
        assertThat(p.path("policy").path("policy-string").toString()).contains("3 1 1 ");
        assertThat(p.path("summary").path("total-successful-session-count").asLong()).isZero();
        assertThat(p.path("failure-details").get(0).path("result-type").asText()).isEqualTo("tlsa-invalid");
        assertThat(p.path("failure-details").get(0).path("receiving-mx-hostname").asText())
                .isEqualTo("mx-mismatch.dane.test");
    }

    @Test
    void RTLS_04_tls_required_no_is_delivered_despite_a_failing_dane_check_starttls_still_tried() throws Exception {
        String marker = Wire.marker();
        submitText("From: a@example.com\r\nTo: x@mismatch.dane.test\r\nTLS-Required: No\r\nSubject: " + marker
                + "\r\n\r\nbody\r\n", "x@mismatch.dane.test");
        assertThat(awaitOne(dane, marker).tls()).isTrue(); // RFC 8689 section 4.2.2
    }

    @Test
    void DANE_02_a_dane_host_without_starttls_defers_and_nothing_is_sent_in_clear() throws Exception {
        submit(Wire.marker(), "x@nostarttls.dane.test");
        String states = awaitStates("4.7.5");
        assertThat(states).contains("mx-nostarttls.dane.test does not offer STARTTLS");
        assertThat(plainConnections.get()).isPositive();
        assertThat(plain.messages()).isEmpty();
    }

    @Test
    void DANE_02_a_secure_set_of_only_unusable_records_is_delivered_encrypted_without_verification() throws Exception {
        String marker = Wire.marker();
        submit(marker, "x@unusable.dane.test");
        assertThat(awaitOne(dane, marker).tls()).isTrue();
        // still TLS required: the same records in front of a host without STARTTLS defer the message
        submit(Wire.marker(), "x@unusable-clear.dane.test");
        assertThat(awaitStates("4.7.5")).contains("mx-unusable-clear.dane.test does not offer STARTTLS");
        assertThat(plain.messages()).isEmpty();
    }

    @Test
    void DANE_02_an_insecure_zone_is_opportunistic_and_its_tlsa_records_are_ignored() throws Exception {
        // plain.dane.test's TLSA record does not match the sink's certificate; insecure, it does not count
        String marker = Wire.marker();
        submit(marker, "x@plain.dane.test");
        assertThat(awaitOne(dane, marker).tls()).isTrue();
    }

    @Test
    void DANE_01_a_bogus_tlsa_rrset_defers_4_4_3_without_connecting() throws Exception {
        zone.corruptSignature("_" + mxPort + "._tcp.mx-bogus.dane.test.", Type.TLSA);
        submit(Wire.marker(), "x@bogus.dane.test");
        assertThat(awaitStates("4.4.3")).contains("bogus");
        assertThat(daneConnections.get()).isZero();
        assertThat(dane.messages()).isEmpty();
    }

    @Test
    void STS_06_a_failing_dane_check_is_not_overridden_by_an_mta_sts_policy_that_would_pass() throws Exception {
        // The control: the same sink, certificate and enforce policy, a host without TLSA records: delivered.
        String control = Wire.marker();
        submit(control, "x@sts.dane.test");
        assertThat(awaitOne(pkix, control).tls()).isTrue();

        submit(Wire.marker(), "x@both.dane.test");
        assertThat(awaitStates("mx-both.dane.test: certificate refused")).contains("4.7.5").contains("DANE");
        assertThat(pkix.messages()).hasSize(1);
        assertThat(https.requests("mta-sts.both.dane.test")).isEqualTo(1); // the policy was there, and did not decide
    }

    @Test
    void RTLS_03_a_requiretls_message_goes_to_a_dane_verified_hop_offering_requiretls() throws Exception {
        String marker = Wire.marker();
        submitRequireTls(marker, "x@ee.dane.test");
        ReceivedMessage m = awaitOne(dane, marker);
        assertThat(m.tls()).isTrue();
        assertThat(m.mailParams()).contains("REQUIRETLS");
    }

    @Test
    void RTLS_03_a_requiretls_message_to_an_insecure_domain_without_mta_sts_bounces_5_7_10() throws Exception {
        String marker = Wire.marker();
        submitRequireTls(marker, "x@plain.dane.test");
        assertThat(awaitOne(home, marker).text()).contains("Status: 5.7.10");
        assertThat(dane.messages()).isEmpty();
        assertThat(daneConnections.get()).isZero();
    }
}
