package dev.mailroom.it;

import static dev.mailroom.it.Submit.expectOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.Submit.Mode;
import dev.mailroom.it.Submit.Parts;
import dev.mailroom.it.Submit.Port;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The configurable parts of the policy: unqualified = "reject", aliases, received_client_ip. */
class PolicyOptionsTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(), """

                [policy]
                unqualified = "reject"
                received_client_ip = true

                [policy.aliases]
                "sales@example.com" = ["alice@example.com", "bob@example.com"]
                """);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_08_rejectModeRefusesUnqualifiedMailWith554_518(Port port) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice>"), 554, "5.1.8");
            expectOk(c.cmd("MAIL FROM:<alice@intranet>"), 554, "5.1.8");
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
        }
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_08_rejectModeRefusesUnqualifiedRcptWith554_512(Port port) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<bob>"), 554, "5.1.2");
            expectOk(c.cmd("RCPT TO:<bob@intranet>"), 554, "5.1.2");
            expectOk(c.cmd("RCPT TO:<bob@example.com>"), 250, "2.1.5");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void MSA_09_rejectModeRefusesUnqualifiedHeaderAddressWith554(Mode mode) throws Exception {
        for (Port port : Port.values()) {
            for (String header : List.of("From: alice@example.com\r\nTo: bob\r\n", "From: alice\r\n",
                    "From: alice@example.com\r\nCc: Bob <bob>\r\n")) {
                try (SmtpTestClient c = Submit.alice(mr, port)) {
                    expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
                    expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
                    expectOk(Submit.content(c, mode, header + "Subject: x\r\n\r\nbody\r\n"), 554, "5.6.0");
                }
            }
        }
        assertThat(Submit.files(mr.dir.resolve("data/spool/incoming"))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_27_aliasExpandsRecipientsWithOrcptOfTheOriginal(Port port) throws Exception {
        String m = "m-" + UUID.randomUUID();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, Mode.DATA, "alice@example.com", List.of("Sales@EXAMPLE.com"),
                    "From: alice@example.com\r\nTo: sales@example.com\r\nSubject: " + m + "\r\n\r\nhi\r\n");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.rcptTo()).containsExactly("alice@example.com", "bob@example.com");
        for (List<String> params : r.rcptParams()) {
            // RFC 3461 section 4.2: the original address as the client gave it
            assertThat(params).containsExactly("ORCPT=rfc822;Sales@EXAMPLE.com");
        }
        // the header is not touched by envelope expansion
        assertThat(Parts.of(r.data()).field("To")).isEqualTo("sales@example.com");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_27_aliasKeepsAnOrcptTheClientGave(Port port) throws Exception {
        String m = "m-" + UUID.randomUUID();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<sales@example.com> NOTIFY=FAILURE ORCPT=rfc822;original@example.net"), 250, "2.1.5");
            expectOk(Submit.content(c, Mode.BDAT, "From: alice@example.com\r\nSubject: " + m + "\r\n\r\nhi\r\n"), 250, "2.0.0");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.rcptTo()).containsExactly("alice@example.com", "bob@example.com");
        for (List<String> params : r.rcptParams()) {
            assertThat(params).containsExactlyInAnyOrder("NOTIFY=FAILURE", "ORCPT=rfc822;original@example.net");
        }
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void SMTP_33_receivedClientIpWhenConfigured(Port port) throws Exception {
        String m = "m-" + UUID.randomUUID();
        String id;
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            id = Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"),
                    "From: alice@example.com\r\nSubject: " + m + "\r\n\r\nhi\r\n");
        }
        assertThat(Parts.of(Submit.awaitMarker(mr.sink, m).data()).field("Received"))
                .matches("from client\\.example\\.com \\(\\[127\\.0\\.0\\.1\\]\\) by mail\\.example\\.com \\(Mailroom\\)"
                        + " with ESMTPSA \\(TLSv1\\.[23] TLS_[A-Z0-9_]+\\) id " + id + " for <carol@remote\\.example>; .+ [+-]\\d{4}");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_19_postmasterWithoutDomainIsCompletedEvenInRejectMode(Port port) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            // RFC 5321 section 4.1.1.3: <Postmaster> without a domain is always accepted
            expectOk(c.cmd("RCPT TO:<postmaster>"), 250, "2.1.5");
        }
    }
}
