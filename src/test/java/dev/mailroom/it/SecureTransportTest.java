package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.server.MailroomServer;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure outbound transport over real peers on loopback: the test's DNS server publishes MX, A, {@code _mta-sts}
 * and {@code _smtp._tls} records; an HTTPS server with a certificate from the test's CA plays every
 * {@code mta-sts.DOMAIN} host; destination sinks offer STARTTLS with a good certificate for their MX name
 * (127.0.0.2, with REQUIRETLS), one for another name (127.0.0.3), a self-signed one (127.0.0.4), and a good one
 * without REQUIRETLS (127.0.0.5). The local domain's mail (the bounces) has a static route to a sink with verified
 * TLS and REQUIRETLS.
 */
class SecureTransportTest {
    private static final String GOOD_MX = "mx1.sts.test";
    private static final String WRONG_NAME_MX = "mx3.sts.test";
    private static final String SELF_SIGNED_MX = "mx4.sts.test";
    private static final String NO_REQUIRETLS_MX = "mx5.sts.test";
    private static final List<String> POLICY_DOMAINS = List.of("enforce.test", "badname.test", "selfsigned.test",
            "unlisted.test", "testing.test", "none.test", "redirect.test", "notfound.test", "html.test",
            "invalid.test", "twotxt.test", "cache.test", "noreq.test", "optional.test", "expire.test", "report.test",
            "chunked.test");

    @TempDir
    Path dir;

    private TestCa ca;
    private TestDnsServer dns;
    private PolicyServer https;
    private int mxPort;
    private final List<SinkServer> sinks = new ArrayList<>();
    private final AtomicInteger selfSignedConnections = new AtomicInteger();
    private SinkServer good;
    private SinkServer wrongName;
    private SinkServer selfSigned;
    private SinkServer noRequireTls;
    private SinkServer home;
    private MailroomFixture mr;

    @BeforeEach
    void setUp() throws Exception {
        ca = TestCa.create("Mailroom Test Root");
        ca.writePem(dir.resolve("ca.pem"));
        dns = TestDnsServer.start();
        https = PolicyServer.start(ca.server(POLICY_DOMAINS.stream().map(d -> "mta-sts." + d).toArray(String[]::new)));
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            mxPort = probe.getLocalPort();
        }
        good = sink("127.0.0.2", SinkSettings.defaults().withStartTls(ca.server(GOOD_MX)).withRequireTls(true),
                new Behaviour() { });
        wrongName = sink("127.0.0.3", SinkSettings.defaults().withStartTls(ca.server("other.sts.test")),
                new Behaviour() { });
        selfSigned = sink("127.0.0.4", SinkSettings.defaults().withStartTls(TestCa.selfSigned(SELF_SIGNED_MX)),
                new Behaviour() {
                    @Override
                    public SmtpReply onConnect(String hostname) {
                        selfSignedConnections.incrementAndGet();
                        return Behaviour.super.onConnect(hostname);
                    }
                });
        noRequireTls = sink("127.0.0.5", SinkSettings.defaults().withStartTls(ca.server(NO_REQUIRETLS_MX)),
                new Behaviour() { });
        dns.add(GOOD_MX + ". A 127.0.0.2", WRONG_NAME_MX + ". A 127.0.0.3", SELF_SIGNED_MX + ". A 127.0.0.4",
                NO_REQUIRETLS_MX + ". A 127.0.0.5");
        for (String d : POLICY_DOMAINS) {
            dns.add("mta-sts." + d + ". A 127.0.0.1");
        }
        // Where example.com's mail goes (the bounces): verified TLS with REQUIRETLS, so a REQUIRETLS bounce can go.
        home = SinkServer.start(SinkSettings.defaults().withStartTls(ca.server("127.0.0.1")).withRequireTls(true));
        sinks.add(home);
        mr = MailroomFixture.start(dir, SinkSettings.defaults(),
                """

                [[listener]]
                name = "mx"
                listen = "127.0.0.1:0"
                role = "transfer"

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
                """.formatted(mxPort, https.port(), home.port(), dns.port()), "queue_lifetime_hours = 1\n");
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

    private SinkServer sink(String address, SinkSettings settings, Behaviour behaviour) throws Exception {
        SinkServer s = SinkServer.start(settings.withBind(InetAddress.getByName(address)).withPort(mxPort)
                .withBehaviour(behaviour));
        sinks.add(s);
        return s;
    }

    /** Publishes a policy: its TXT record with {@code id} and the body at the policy host. */
    private void policy(String domain, String id, String mode, String... mx) {
        dns.add("_mta-sts." + domain + ". TXT \"v=STSv1; id=" + id + ";\"");
        https.serve("mta-sts." + domain, PolicyServer.Response.policy(policyText(mode, mx)));
    }

    private static String policyText(String mode, String... mx) {
        StringBuilder sb = new StringBuilder("version: STSv1\r\nmode: " + mode + "\r\n");
        for (String m : mx) {
            sb.append("mx: ").append(m).append("\r\n");
        }
        return sb.append("max_age: 86400\r\n").toString();
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

    /** The spool's state files, once {@code count} of them hold {@code text}. */
    private String awaitStates(String text, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String all = "";
        while (System.nanoTime() < deadline) {
            all = states();
            if (all.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= count) {
                return all;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(count + " x " + text + " expected in the state files, got: " + all);
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

    // ---- MTA-STS (RFC 8461)

    @Test
    void STS_04_enforceWithAGoodCertificateDeliversOverVerifiedTls() throws Exception {
        policy("enforce.test", "1", "enforce", GOOD_MX);
        dns.add("enforce.test. MX 10 " + GOOD_MX + ".");
        String marker = Wire.marker();
        submit(marker, "x@enforce.test");
        assertThat(awaitOne(good, marker).tls()).isTrue();
        assertThat(https.requests("mta-sts.enforce.test")).isEqualTo(1);
    }

    @Test
    void STS_05_enforceWithAWrongNameOrSelfSignedCertificateDefers_4_7_5_AndNeverSendsInClear() throws Exception {
        policy("badname.test", "1", "enforce", WRONG_NAME_MX);
        policy("selfsigned.test", "1", "enforce", SELF_SIGNED_MX);
        dns.add("badname.test. MX 10 " + WRONG_NAME_MX + ".", "selfsigned.test. MX 10 " + SELF_SIGNED_MX + ".");
        submit(Wire.marker(), "x@badname.test");
        submit(Wire.marker(), "x@selfsigned.test");
        String states = awaitStates("4.7.5", 2);
        assertThat(states).contains(WRONG_NAME_MX + ": certificate refused").contains(SELF_SIGNED_MX + ": certificate refused");
        assertThat(wrongName.messages()).isEmpty();
        assertThat(selfSigned.messages()).isEmpty();
        assertThat(selfSignedConnections.get()).isPositive(); // it was tried, and refused after the handshake
    }

    @Test
    void STS_04_enforceNeverTriesAnMxHostOutsideThePolicy() throws Exception {
        policy("unlisted.test", "1", "enforce", GOOD_MX);
        dns.add("unlisted.test. MX 10 " + SELF_SIGNED_MX + ".", "unlisted.test. MX 20 " + GOOD_MX + ".");
        String marker = Wire.marker();
        submit(marker, "x@unlisted.test");
        assertThat(awaitOne(good, marker).tls()).isTrue();
        assertThat(selfSignedConnections.get()).isZero();
    }

    @Test
    void STS_05_testingDeliversDespiteABadCertificate() throws Exception {
        policy("testing.test", "1", "testing", SELF_SIGNED_MX);
        dns.add("testing.test. MX 10 " + SELF_SIGNED_MX + ".");
        String marker = Wire.marker();
        submit(marker, "x@testing.test");
        assertThat(awaitOne(selfSigned, marker).tls()).isTrue();
    }

    @Test
    void STS_05_modeNoneIsNoPolicy() throws Exception {
        policy("none.test", "1", "none");
        dns.add("none.test. MX 10 " + SELF_SIGNED_MX + ".");
        String marker = Wire.marker();
        submit(marker, "x@none.test");
        assertThat(awaitOne(selfSigned, marker).tls()).isTrue(); // opportunistic: any certificate
    }

    @Test
    void STS_02_STS_03_aPolicyThatCannotBeFetchedOrParsedIsNoPolicy() throws Exception {
        // Each domain announces an enforce policy that would refuse its only MX; the policy never counts.
        String enforce = policyText("enforce", GOOD_MX);
        List<String> domains = List.of("redirect.test", "notfound.test", "html.test", "invalid.test");
        https.serve("mta-sts.redirect.test", new PolicyServer.Response(302, "text/plain", enforce, false));
        https.serve("mta-sts.html.test", new PolicyServer.Response(200, "text/html", enforce, false));
        https.serve("mta-sts.invalid.test", PolicyServer.Response.policy(enforce.replace("STSv1", "STSv2")));
        for (String d : domains) {
            dns.add("_mta-sts." + d + ". TXT \"v=STSv1; id=1\"", d + ". MX 10 " + SELF_SIGNED_MX + ".");
        }
        for (String d : domains) {
            String marker = Wire.marker();
            submit(marker, "x@" + d);
            assertThat(awaitOne(selfSigned, marker).tls()).as(d).isTrue();
            assertThat(https.requests("mta-sts." + d)).as(d).isEqualTo(1);
        }
    }

    @Test
    void STS_02_aChunkedPolicyResponseIsRead() throws Exception {
        dns.add("_mta-sts.chunked.test. TXT \"v=STSv1; id=1\"", "chunked.test. MX 10 " + SELF_SIGNED_MX + ".");
        https.serve("mta-sts.chunked.test", new PolicyServer.Response(200, "text/plain",
                policyText("enforce", SELF_SIGNED_MX), true));
        submit(Wire.marker(), "x@chunked.test");
        awaitStates("4.7.5", 1); // the policy applies: the self-signed MX is refused
        assertThat(selfSigned.messages()).isEmpty();
    }

    @Test
    void STS_01_zeroOrTwoTxtRecordsOrOnlyTheParentsMeanNoPolicy() throws Exception {
        https.serve("mta-sts.twotxt.test", PolicyServer.Response.policy(policyText("enforce", GOOD_MX)));
        dns.add("_mta-sts.twotxt.test. TXT \"v=STSv1; id=1\"", "_mta-sts.twotxt.test. TXT \"v=STSv1; id=2\"",
                "twotxt.test. MX 10 " + SELF_SIGNED_MX + ".",
                "zero.test. MX 10 " + SELF_SIGNED_MX + ".");
        policy("enforce.test", "1", "enforce", GOOD_MX);
        dns.add("sub.enforce.test. MX 10 " + SELF_SIGNED_MX + ".");
        for (String d : List.of("twotxt.test", "zero.test", "sub.enforce.test")) {
            String marker = Wire.marker();
            submit(marker, "x@" + d);
            assertThat(awaitOne(selfSigned, marker).tls()).as(d).isTrue();
        }
        assertThat(https.requests("mta-sts.twotxt.test")).isZero();
        assertThat(https.requests("mta-sts.enforce.test")).isZero();
    }

    @Test
    void STS_03_thePolicyIsCachedWithinMaxAgeAndFetchedAgainWhenTheIdChanges() throws Exception {
        policy("cache.test", "1", "enforce", GOOD_MX);
        dns.add("cache.test. MX 10 " + GOOD_MX + ".");
        for (int i = 0; i < 2; i++) {
            String marker = Wire.marker();
            submit(marker, "x@cache.test");
            awaitOne(good, marker);
        }
        assertThat(https.requests("mta-sts.cache.test")).isEqualTo(1);
        dns.remove("_mta-sts.cache.test");
        policy("cache.test", "2", "enforce", GOOD_MX, "*.sts.test");
        String marker = Wire.marker();
        submit(marker, "x@cache.test");
        awaitOne(good, marker);
        assertThat(https.requests("mta-sts.cache.test")).isEqualTo(2);
        // RFC 8461 section 10: kept across restarts, under the data directory
        assertThat(Files.readString(dir.resolve("data/mta-sts/cache.test"))).contains("id 2").contains("mx: *.sts.test");
    }

    @Test
    void STS_05_givingUpOnAnEnforcedDomainBouncesWith_5_7_5() throws Exception {
        policy("expire.test", "1", "enforce", SELF_SIGNED_MX);
        dns.add("expire.test. MX 10 " + SELF_SIGNED_MX + ".");
        String marker = Wire.marker();
        submit(marker, "x@expire.test");
        awaitStates("4.7.5", 1);
        mr.server.close();
        // The message has been queued for two hours of a one-hour lifetime.
        try (Stream<Path> files = Files.list(mr.spoolQueue())) {
            for (Path p : files.filter(p -> !p.toString().endsWith(".state")).toList()) {
                String text = Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1);
                Files.writeString(p, text.replaceFirst("(?m)^created \\d+$", "created "
                        + Instant.now().minus(Duration.ofHours(2)).toEpochMilli()), java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        }
        try (MailroomServer again = MailroomServer.start(ConfigLoader.load(mr.config))) {
            ReceivedMessage bounce = awaitOne(home, marker);
            assertThat(bounce.mailFrom()).isEmpty();
            assertThat(bounce.text()).contains("Status: 5.7.5").contains("Action: failed");
        }
        assertThat(selfSigned.messages()).isEmpty();
    }

    // ---- REQUIRETLS (RFC 8689)

    @Test
    void RTLS_01_requireTlsIsOfferedOnlyInsideTlsAndRefusedWith555InClear() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.server.port("mx"))) {
            SmtpTestClient.expect(c.read(), 220);
            assertThat(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250).lines()).doesNotContain("REQUIRETLS");
            expect(c.cmd("MAIL FROM:<a@remote.example> REQUIRETLS"), 555, "5.5.4");
            SmtpTestClient.expect(c.starttls(), 220);
            assertThat(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250).lines()).contains("REQUIRETLS");
            expect(c.cmd("MAIL FROM:<a@remote.example> REQUIRETLS"), 250, "2.1.0");
        }
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> REQUIRETLS"), 555, "5.5.4");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission()).startSecure("client.example.com")) {
            assertThat(c.cmd("EHLO client.example.com").lines()).contains("REQUIRETLS");
        }
    }

    @Test
    void RTLS_03_RTLS_04_aRequireTlsMessageToAHopWithoutRequireTlsBounces_5_7_30_WithHeadersOnly() throws Exception {
        policy("noreq.test", "1", "enforce", NO_REQUIRETLS_MX);
        dns.add("noreq.test. MX 10 " + NO_REQUIRETLS_MX + ".");
        String marker = Wire.marker();
        submitRequireTls(marker, "x@noreq.test");
        ReceivedMessage bounce = awaitOne(home, marker);
        assertThat(bounce.text()).contains("Status: 5.7.30").contains("text/rfc822-headers")
                .doesNotContain("body " + marker);
        assertThat(bounce.mailParams()).contains("REQUIRETLS");
        assertThat(bounce.tls()).isTrue();
        assertThat(noRequireTls.messages()).isEmpty();
    }

    @Test
    void RTLS_03_aRequireTlsMessageGoesToAVerifiedHopThatOffersRequireTls() throws Exception {
        policy("enforce.test", "1", "enforce", GOOD_MX);
        dns.add("enforce.test. MX 10 " + GOOD_MX + ".");
        String marker = Wire.marker();
        submitRequireTls(marker, "x@enforce.test");
        ReceivedMessage m = awaitOne(good, marker);
        assertThat(m.tls()).isTrue();
        assertThat(m.mailParams()).contains("REQUIRETLS");
    }

    @Test
    void RTLS_03_aRequireTlsMessageToADomainWithoutAuthenticatedMxHostsBounces_5_7_10() throws Exception {
        dns.add("zero.test. MX 10 " + GOOD_MX + ".");
        String marker = Wire.marker();
        submitRequireTls(marker, "x@zero.test");
        assertThat(awaitOne(home, marker).text()).contains("Status: 5.7.10");
        assertThat(good.messages()).isEmpty();
    }

    @Test
    void RTLS_04_tlsRequiredNoIsDeliveredDespiteAnEnforcedPolicyItsHostFails() throws Exception {
        policy("optional.test", "1", "enforce", SELF_SIGNED_MX);
        dns.add("optional.test. MX 10 " + SELF_SIGNED_MX + ".");
        String marker = Wire.marker();
        submitText("From: a@example.com\r\nTo: x@optional.test\r\nTLS-Required: No\r\nSubject: " + marker
                + "\r\n\r\nbody\r\n", "x@optional.test");
        assertThat(awaitOne(selfSigned, marker).tls()).isTrue(); // STARTTLS still tried (RFC 8689 section 4.2.2)
    }

    // ---- TLS-RPT (RFC 8460)

    @Test
    void RPT_01_theDailyReportCountsSuccessesAndFailuresPerPolicy() throws Exception {
        policy("report.test", "1", "testing", SELF_SIGNED_MX, GOOD_MX);
        dns.add("_smtp._tls.report.test. TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@report.test\"",
                "report.test. MX 10 " + SELF_SIGNED_MX + ".");
        String first = Wire.marker();
        submit(first, "x@report.test");
        awaitOne(selfSigned, first);
        dns.remove("report.test").add("report.test. MX 10 " + GOOD_MX + ".");
        String second = Wire.marker();
        submit(second, "x@report.test");
        awaitOne(good, second);
        mr.close(); // writes the day's counts
        mr = null;
        Path file = dir.resolve("data/tls-rpt/" + LocalDate.now(ZoneOffset.UTC) + "/report.test.json");
        JsonNode report = new ObjectMapper().readTree(Files.readString(file));
        assertThat(report.path("organization-name").asText()).isEqualTo("mail.example.com");
        assertThat(report.path("date-range").path("start-datetime").asText()).endsWith("T00:00:00Z");
        assertThat(report.path("date-range").path("end-datetime").asText()).endsWith("T23:59:59Z");
        assertThat(report.path("contact-info").asText()).isNotEmpty();
        assertThat(report.path("report-id").asText()).isNotEmpty();
        assertThat(report.path("policies")).hasSize(1);
        JsonNode p = report.path("policies").get(0);
        assertThat(p.path("policy").path("policy-type").asText()).isEqualTo("sts");
        assertThat(p.path("policy").path("policy-domain").asText()).isEqualTo("report.test");
        assertThat(p.path("policy").path("policy-string").toString()).contains("mode: testing");
        assertThat(p.path("policy").path("mx-host").toString()).contains(GOOD_MX, SELF_SIGNED_MX);
        assertThat(p.path("summary").path("total-successful-session-count").asLong()).isEqualTo(1);
        assertThat(p.path("summary").path("total-failure-session-count").asLong()).isEqualTo(1);
        JsonNode failure = p.path("failure-details").get(0);
        assertThat(failure.path("result-type").asText()).isEqualTo("certificate-not-trusted");
        assertThat(failure.path("receiving-mx-hostname").asText()).isEqualTo(SELF_SIGNED_MX);
        assertThat(failure.path("receiving-ip").asText()).isEqualTo("127.0.0.4");
        assertThat(failure.path("failed-session-count").asLong()).isEqualTo(1);
    }
}
