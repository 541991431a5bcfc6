package dev.mailroom.it;

import static dev.mailroom.it.Submit.expectOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.Submit.Mode;
import dev.mailroom.it.Submit.Parts;
import dev.mailroom.it.Submit.Port;
import dev.mailroom.sink.ReceivedMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 6409 submission policy, one test per rule, on 587 (STARTTLS) and 465 (implicit TLS), with DATA and
 * BDAT (MSA-01/02): the same checks must fire on every path. Default configuration (unqualified = complete).
 */
class SubmissionPolicyTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    static Stream<Arguments> paths() {
        List<Arguments> out = new ArrayList<>();
        for (Port p : Port.values()) {
            for (Mode m : Mode.values()) {
                out.add(Arguments.of(p, m));
            }
        }
        return out.stream();
    }

    private static String marker() {
        return "m-" + UUID.randomUUID();
    }

    private static String msg(String headers, String marker) {
        return headers + "Subject: " + marker + "\r\n\r\nbody " + marker + "\r\n";
    }

    /** Sends content that must be refused after the end of data; checks the reply and that nothing was kept. */
    private static void refusedAfterData(Port port, Mode mode, String content, int code, String enhanced) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
            expectOk(Submit.content(c, mode, content), code, enhanced);
            // the session goes on: the same client can still submit (RFC 5321 4.1.1.4 resets the transaction)
            String ok = marker();
            Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: alice@example.com\r\n", ok));
            Submit.awaitMarker(mr.sink, ok);
        }
        // SMTP-31: a message refused after the data is never delivered; nothing left being written
        assertThat(Submit.files(mr.dir.resolve("data/spool/incoming"))).isEmpty();
    }

    // ---- MSA-10: authentication is required ----

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_10_mailRcptDataBdatVrfyWithoutAuthAre530(Port port) throws Exception {
        try (SmtpTestClient c = Submit.secure(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0");
            expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 530, "5.7.0");
            expectOk(c.cmd("DATA"), 530, "5.7.0");
            c.write("BDAT 5 LAST\r\nhello");
            expectOk(c.read(), 530, "5.7.0");
            expectOk(c.cmd("VRFY bob"), 530, "5.7.0");
            // still in sync and usable: NOOP and AUTH work afterwards
            expectOk(c.cmd("NOOP"), 250, "2.0.0");
            expectOk(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 235, "2.7.0");
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
        }
    }

    // ---- MSA-01/02: the same authenticated submission on both ports, DATA and BDAT ----

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_02_authenticatedSubmissionIsRelayed(Port port, Mode mode) throws Exception {
        String m = marker();
        String id;
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            id = Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: Alice <alice@example.com>\r\nTo: carol@remote.example\r\n", m));
            expectOk(c.cmd("QUIT"), 221, "2.0.0");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.mailFrom()).isEqualTo("alice@example.com");
        assertThat(r.rcptTo()).containsExactly("carol@remote.example");
        Parts p = Parts.of(r.data());
        // AUTH-20, TLS-14, SMTP-33: ESMTPSA, TLS version and IANA cipher, queue id, one "for", no client IP
        assertThat(p.field("Received")).matches("from client\\.example\\.com by mail\\.example\\.com \\(Mailroom\\)"
                + " with ESMTPSA \\(TLSv1\\.[23] TLS_[A-Z0-9_]+\\) id " + id
                + " for <carol@remote\\.example>; [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");
        assertThat(p.field("Received")).doesNotContain("127.0.0.1");
        assertThat(p.count("Sender")).isZero(); // HDR-04
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void SMTP_33_receivedHasNoForClauseWithSeveralRecipients(Port port) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example", "dave@remote.example"),
                    msg("From: alice@example.com\r\n", m));
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.rcptTo()).containsExactly("carol@remote.example", "dave@remote.example");
        assertThat(Parts.of(r.data()).field("Received")).doesNotContain(" for ").contains(" with ESMTPSA (TLSv1.");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void UTF8SMTP_receivedSaysUTF8SMTPSA(Port port) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com> SMTPUTF8"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<jösé@remote.example>"), 250, "2.1.5");
            expectOk(Submit.content(c, Mode.DATA, msg("From: alice@example.com\r\nTo: jösé@remote.example\r\n", m)),
                    250, "2.0.0");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.rcptTo()).containsExactly("jösé@remote.example");
        assertThat(r.mailParams()).contains("SMTPUTF8");
        assertThat(Parts.of(r.data()).field("Received")).contains(" with UTF8SMTPSA (TLSv1.");
    }

    // ---- MSA-04 ----

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_04_nullReversePathIs250(Port port, Mode mode) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
            expectOk(Submit.content(c, mode, msg("From: alice@example.com\r\n", m)), 250, "2.0.0");
        }
        assertThat(Submit.awaitMarker(mr.sink, m).mailFrom()).isEmpty();
    }

    // ---- MSA-08: envelope addresses fully qualified ----

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_08_unqualifiedEnvelopeAddressesAreCompletedWithDefaultDomain(Port port) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<bob>"), 250, "2.1.5");
            expectOk(Submit.content(c, Mode.DATA, msg("From: alice@example.com\r\n", m)), 250, "2.0.0");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.mailFrom()).isEqualTo("alice@example.com");
        assertThat(r.rcptTo()).containsExactly("bob@example.com");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_08_singleLabelDomainIs554_518AtMailAnd554_512AtRcpt(Port port) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@intranet>"), 554, "5.1.8");
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<bob@intranet>"), 554, "5.1.2");
            expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
        }
    }

    // ---- MSA-16 ----

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_16_mailFromNotTheUsersIs550_571(Port port) throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<bob@example.com>"), 550, "5.7.1");
            expectOk(c.cmd("MAIL FROM:<someone@remote.example>"), 550, "5.7.1");
            // on-behalf is a right for From: only, not for the envelope
            expectOk(c.cmd("MAIL FROM:<team@example.com>"), 550, "5.7.1");
            // a domain grant is the user's own
            expectOk(c.cmd("MAIL FROM:<anything@alice.example>"), 250, "2.1.0");
        }
        try (SmtpTestClient c = Submit.login(mr, port, MailroomFixture.BOB, MailroomFixture.BOB_PASSWORD)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 550, "5.7.1");
            // the domain is case-insensitive; the local part is compared exactly (RFC 5321 section 2.4)
            expectOk(c.cmd("MAIL FROM:<bob@Example.COM>"), 250, "2.1.0");
        }
    }

    // ---- From: rights (6.1) and Sender: (MSA-23, HDR-03/04) ----

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_16_fromHeaderNotPermittedIs550_571AfterData(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: Bob <bob@example.com>\r\n", marker()), 550, "5.7.1");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_23_onBehalfFromGetsSenderWithUsersAddress(Port port, Mode mode) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: The Team <team@example.com>\r\n", m));
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        Parts p = Parts.of(r.data());
        assertThat(p.count("Sender")).isEqualTo(1);
        assertThat(p.field("Sender")).isEqualTo("alice@example.com");
        assertThat(p.field("From")).isEqualTo("The Team <team@example.com>");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void HDR_03_severalFromMailboxesGetSender(Port port, Mode mode) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: alice@example.com, other@alice.example\r\n", m));
        }
        Parts p = Parts.of(Submit.awaitMarker(mr.sink, m).data());
        assertThat(p.count("Sender")).isEqualTo(1);
        assertThat(p.field("Sender")).isEqualTo("alice@example.com");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void HDR_04_authorIsUserSoNoSenderAndGivenSenderKept(Port port) throws Exception {
        String m = marker();
        String m2 = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: \"Alice\" <alice@Example.COM>\r\n", m));
            // on-behalf with the user's own Sender already present: kept as written, not doubled
            Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: team@example.com\r\nSender: Alice <alice@example.com>\r\n", m2));
        }
        assertThat(Parts.of(Submit.awaitMarker(mr.sink, m).data()).count("Sender")).isZero();
        Parts p2 = Parts.of(Submit.awaitMarker(mr.sink, m2).data());
        assertThat(p2.count("Sender")).isEqualTo(1);
        assertThat(p2.field("Sender")).isEqualTo("Alice <alice@example.com>");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void MSA_23_foreignSenderOnBehalfIsReplacedWithUsersAddress(Port port) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: team@example.com\r\nSender: bob@example.com\r\n", m));
        }
        Parts p = Parts.of(Submit.awaitMarker(mr.sink, m).data());
        assertThat(p.count("Sender")).isEqualTo(1);
        assertThat(p.field("Sender")).isEqualTo("alice@example.com");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_23_foreignSenderIsReplacedEvenWhenTheAuthorIsTheUser(Port port, Mode mode) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    msg("From: alice@example.com\r\nSender: Bob <bob@example.com>\r\n", m));
        }
        Parts p = Parts.of(Submit.awaitMarker(mr.sink, m).data());
        // RFC 6409 section 8.1: the transmitter named in Sender: is the authenticated user, never someone else
        assertThat(p.count("Sender")).isEqualTo(1);
        assertThat(p.field("Sender")).isEqualTo("alice@example.com");
    }

    // ---- message-data errors: 554 5.6.0 after the final dot ----

    @ParameterizedTest
    @MethodSource("paths")
    void HDR_01_noFromIs554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("To: carol@remote.example\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void HDR_02_duplicateFromIs554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: alice@example.com\r\nFrom: alice@example.com\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void HDR_02_duplicateSubjectOrMessageIdIs554(Port port) throws Exception {
        refusedAfterData(port, Mode.DATA, msg("From: alice@example.com\r\nsubject: one\r\n", marker()), 554, "5.6.0");
        refusedAfterData(port, Mode.BDAT, msg("From: alice@example.com\r\nMessage-ID: <a@x.example>\r\n"
                + "Message-ID: <b@x.example>\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_18_malformedHeaderIs554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: alice@example.com\r\nThis line has no colon\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_13_headerAddressSyntaxIs554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: <<bad>>\r\n", marker()), 554, "5.6.0");
        refusedAfterData(port, mode, msg("From: alice@example.com\r\nTo: a@@b.example\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_09_singleLabelHeaderDomainIs554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: alice@example.com\r\nTo: bob@intranet\r\n", marker()), 554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void SMTP_26_bodyLineOver998Is554(Port port, Mode mode) throws Exception {
        String m = marker();
        refusedAfterData(port, mode, "From: alice@example.com\r\nSubject: " + m + "\r\n\r\n" + "x".repeat(999) + "\r\n",
                554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void SMTP_26_headerLineOver998Is554(Port port, Mode mode) throws Exception {
        refusedAfterData(port, mode, msg("From: alice@example.com\r\nX-Long: " + "y".repeat(992) + "\r\n", marker()),
                554, "5.6.0");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void SMTP_26_lineOfExactly998IsAccepted(Port port, Mode mode) throws Exception {
        String m = marker();
        String header = "X-Long: " + "y".repeat(990); // 998 characters
        String body = "z".repeat(998);
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                    "From: alice@example.com\r\n" + header + "\r\nSubject: " + m + "\r\n\r\n" + body + "\r\n");
        }
        Parts p = Parts.of(Submit.awaitMarker(mr.sink, m).data());
        assertThat(p.header()).contains("\r\n" + header + "\r\n");
        assertThat(p.body()).isEqualTo(body + "\r\n");
    }

    // ---- header addresses completed in place (complete mode) ----

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_09_unqualifiedHeaderAddressesAreCompleted(Port port, Mode mode) throws Exception {
        String m = marker();
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            Submit.send(c, mode, "alice@example.com", List.of("bob@example.com"),
                    msg("From: Alice <alice>\r\nTo: bob, Carol <carol@remote.example>\r\nCc: dave\r\n", m));
        }
        Parts p = Parts.of(Submit.awaitMarker(mr.sink, m).data());
        assertThat(p.header()).contains("\r\nFrom: Alice <alice@example.com>\r\n"
                + "To: bob@example.com, Carol <carol@remote.example>\r\nCc: dave@example.com\r\n");
        assertThat(p.count("Sender")).isZero();
    }

    // ---- MSA-19: postmaster without AUTH ----

    @Test
    void MSA_19_postmasterWithoutAuthAcceptsOnlyPostmasterOfLocalDomains() throws Exception {
        String m = marker();
        try (SmtpTestClient c = SmtpTestClient.connect(mr.postmaster()).startSecure("client.example.com")) {
            expectOk(c.cmd("MAIL FROM:<someone@remote.example>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<bob@example.com>"), 530, "5.7.0");
            expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 530, "5.7.0");
            expectOk(c.cmd("RCPT TO:<postmaster@remote.example>"), 530, "5.7.0");
            expectOk(c.cmd("VRFY postmaster"), 530, "5.7.0");
            expectOk(c.cmd("RCPT TO:<postmaster@example.com>"), 250, "2.1.5");
            expectOk(c.cmd("RCPT TO:<Postmaster>"), 250, "2.1.5");
            expectOk(Submit.content(c, Mode.DATA, msg("From: Someone <someone@remote.example>\r\n", m)), 250, "2.0.0");
        }
        ReceivedMessage r = Submit.awaitMarker(mr.sink, m);
        assertThat(r.mailFrom()).isEqualTo("someone@remote.example");
        assertThat(r.rcptTo()).containsExactly("postmaster@example.com", "Postmaster@example.com");
        // not authenticated: Received says ESMTPS, not ESMTPSA
        assertThat(Parts.of(r.data()).field("Received")).contains(" with ESMTPS (TLSv1.");
    }

    @Test
    void MSA_10_postmasterListenerStillRequiresAuthForEverythingElse() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.postmaster()).startSecure("client.example.com")) {
            expectOk(c.cmd("VRFY bob"), 530, "5.7.0");
            expectOk(c.cmd("MAIL FROM:<someone@remote.example>"), 250, "2.1.0");
            expectOk(c.cmd("RCPT TO:<alice@example.com>"), 530, "5.7.0");
            expectOk(c.cmd("DATA"), 554, "5.5.1"); // no valid recipient
        }
    }

    @Test
    void MSA_10_submissionPortBeforeTlsRefusesMailWith530() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            expectOk(c.read(), 220, "");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0");
        }
    }
}
