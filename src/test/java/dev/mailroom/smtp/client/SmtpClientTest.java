package dev.mailroom.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.sink.TestTls;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.SmtpClient.ClientSettings;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against the independent SinkServer, over loopback TCP. */
class SmtpClientTest {

    static final ClientSettings SETTINGS = new ClientSettings("client.test", Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10));

    private SinkServer sink;
    private SmtpClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    static Mailbox mbox(String address) {
        int at = address.lastIndexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    static Envelope env(MailParameters params, String from, String... to) {
        return new Envelope(from == null ? null : mbox(from), params,
                Arrays.stream(to).map(t -> Recipient.of(mbox(t))).toList());
    }

    static Envelope env(String from, String... to) {
        return env(MailParameters.NONE, from, to);
    }

    static MessageSource msg(String text) {
        return MessageSource.of(text.getBytes(StandardCharsets.UTF_8));
    }

    private SmtpClient connect(SinkSettings settings) throws Exception {
        sink = SinkServer.start(settings);
        client = SmtpClient.connect(sink.address(), SETTINGS);
        client.ehlo();
        return client;
    }

    @Test
    void plainTransaction() throws Exception {
        connect(SinkSettings.defaults());
        assertThat(client.greeting().code()).isEqualTo(220);
        assertThat(client.capabilities().esmtp()).isTrue();
        assertThat(client.capabilities().has("pipelining")).isTrue();
        String body = "Subject: hi\r\n\r\nHello.\r\n";
        MailParameters params = new MailParameters(BodyType.EIGHT_BIT_MIME, false, -1, null, null, null, false);
        TransactionResult r = client.send(env(params, "alice@example.org", "bob@example.net"), msg(body));

        assertThat(r.synthesized()).isFalse();
        assertThat(r.mailReply().code()).isEqualTo(250);
        assertThat(r.mailReply().enhanced()).isEqualTo("2.1.0");
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(250);
        assertThat(r.dataReply().code()).isEqualTo(250);
        assertThat(r.accepted(0)).isTrue();

        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.heloName()).isEqualTo("client.test");
        assertThat(m.tls()).isFalse();
        assertThat(m.mailFrom()).isEqualTo("alice@example.org");
        assertThat(m.mailParams()).containsExactly("SIZE=" + body.length(), "BODY=8BITMIME");
        assertThat(m.rcptTo()).containsExactly("bob@example.net");
        assertThat(m.text()).isEqualTo(body);
        client.quit();
    }

    @Test
    void nullReversePathAndSeveralTransactionsOnOneConnection() throws Exception {
        connect(SinkSettings.defaults());
        for (int i = 0; i < 3; i++) {
            assertThat(client.send(env(MailParameters.NONE, null, "r" + i + "@example.net"), msg("n " + i + "\r\n")).accepted(0)).isTrue();
        }
        assertThat(sink.messages()).extracting(ReceivedMessage::mailFrom).containsExactly("", "", "");
        assertThat(sink.messages()).extracting(ReceivedMessage::text).containsExactly("n 0\r\n", "n 1\r\n", "n 2\r\n");
    }

    @Test
    void pipelinedAndUnpipelinedDeliverTheSame() throws Exception {
        Envelope e = env("alice@example.org", "b1@example.net", "b2@example.net", "b3@example.net");
        String body = "Subject: p\r\n\r\nbody\r\n";
        connect(SinkSettings.defaults().withPipelining(true));
        assertThat(client.send(e, msg(body)).accepted(2)).isTrue();
        ReceivedMessage pipelined = sink.messages().getFirst();
        client.quit();
        sink.close();

        connect(SinkSettings.defaults().withPipelining(false));
        assertThat(client.send(e, msg(body)).accepted(2)).isTrue();
        ReceivedMessage lockstep = sink.messages().getFirst();

        assertThat(pipelined.pipelined()).isTrue();
        assertThat(lockstep.pipelined()).isFalse();
        assertThat(lockstep.mailFrom()).isEqualTo(pipelined.mailFrom());
        assertThat(lockstep.mailParams()).isEqualTo(pipelined.mailParams());
        assertThat(lockstep.rcptTo()).isEqualTo(pipelined.rcptTo());
        assertThat(lockstep.rcptParams()).isEqualTo(pipelined.rcptParams());
        assertThat(lockstep.data()).isEqualTo(pipelined.data());
    }

    private static Envelope dsnEnvelope() {
        MailParameters params = new MailParameters(null, false, -1, DsnRet.HDRS, "QQ314159+2Bx.Ab", null, false);
        Recipient r1 = new Recipient(mbox("Bob@example.net"), "Delay,failure,SUCCESS",
                "rfc822;Bob+2B@Example.NET");
        Recipient r2 = new Recipient(mbox("carol@example.net"), "NEVER", null);
        Recipient r3 = Recipient.of(mbox("dave@example.net"));
        return new Envelope(mbox("alice@example.org"), params, List.of(r1, r2, r3));
    }

    @Test
    void dsnParametersPassedUnchangedWhenOffered() throws Exception {
        connect(SinkSettings.defaults().withDsn(true));
        client.send(dsnEnvelope(), msg("x\r\n"));
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.mailParams()).contains("RET=HDRS", "ENVID=QQ314159+2Bx.Ab");
        assertThat(m.rcptTo()).containsExactly("Bob@example.net", "carol@example.net", "dave@example.net");
        assertThat(m.rcptParams()).containsExactly(
                List.of("NOTIFY=Delay,failure,SUCCESS", "ORCPT=rfc822;Bob+2B@Example.NET"),
                List.of("NOTIFY=NEVER"),
                List.of());
    }

    @Test
    void dsnParametersOmittedWhenNotOffered() throws Exception {
        connect(SinkSettings.defaults().withDsn(false));
        client.send(dsnEnvelope(), msg("x\r\n"));
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.mailParams()).noneMatch(p -> p.startsWith("RET=") || p.startsWith("ENVID="));
        assertThat(m.rcptParams()).containsExactly(List.of(), List.of(), List.of());
    }

    @Test
    void noParametersAtAllToAServerWithoutExtensions() throws Exception {
        connect(SinkSettings.minimal());
        MailParameters all = new MailParameters(BodyType.EIGHT_BIT_MIME, true, 3, DsnRet.FULL, "id", "<>", true);
        TransactionResult r = client.send(env(all, "alice@example.org", "bob@example.net"), msg("x\r\n"));
        assertThat(r.accepted(0)).isTrue();
        // Without ENHANCEDSTATUSCODES the codes are neither sent nor parsed.
        assertThat(r.dataReply().enhanced()).isNull();
        assertThat(client.capabilities().maxSize()).isEqualTo(-1);
        assertThat(sink.messages().getFirst().mailParams()).isEmpty();
    }

    @Test
    void extensionParametersSentWhenOffered() throws Exception {
        connect(SinkSettings.defaults().withAuthWithoutTls(true));
        MailParameters p = new MailParameters(BodyType.EIGHT_BIT_MIME, true, -1, null, null, "<alice@example.org>", true);
        client.send(env(p, "alice@example.org", "bob@example.net"), msg("x\r\n"));
        // AUTH=<>: a relay cannot vouch for the submitter (AUTH-19); REQUIRETLS is not offered here.
        assertThat(sink.messages().getFirst().mailParams())
                .containsExactly("SIZE=3", "BODY=8BITMIME", "SMTPUTF8", "AUTH=<>");
    }

    @Test
    void sizeSynthesized552WhenAboveAdvertisedMaximum() throws Exception {
        connect(SinkSettings.defaults().withMaxSize(100));
        assertThat(client.capabilities().maxSize()).isEqualTo(100);
        TransactionResult r = client.send(env("alice@example.org", "bob@example.net"), msg("x".repeat(200) + "\r\n"));
        assertThat(r.synthesized()).isTrue();
        assertThat(r.mailReply().code()).isEqualTo(552);
        assertThat(r.mailReply().enhanced()).isEqualTo("5.3.4");
        assertThat(r.replyFor(0).code()).isEqualTo(552);
        assertThat(r.dataReply()).isNull();
        // Nothing was sent: the connection is still good for a message that fits.
        assertThat(client.send(env("alice@example.org", "bob@example.net"), msg("small\r\n")).accepted(0)).isTrue();
        assertThat(sink.messages()).hasSize(1);
    }

    @Test
    void sizeOmittedWhenNotOffered() throws Exception {
        connect(SinkSettings.defaults().withMaxSize(-1));
        assertThat(client.capabilities().has("SIZE")).isFalse();
        client.send(env("alice@example.org", "bob@example.net"), msg("x\r\n"));
        assertThat(sink.messages().getFirst().mailParams()).noneMatch(p -> p.startsWith("SIZE"));
    }

    @Test
    void dotStuffingRoundTrip() throws Exception {
        connect(SinkSettings.defaults());
        String body = ".starts with a dot\r\n.\r\n..x\r\n.x\r\nmiddle . dot\r\n.\r\n..\r\nend\r\n";
        client.send(env("alice@example.org", "bob@example.net"), msg(body));
        assertThat(sink.messages().getFirst().text()).isEqualTo(body);
    }

    @Test
    void messageNotEndingInCrlfGetsOne() throws Exception {
        connect(SinkSettings.defaults());
        client.send(env("alice@example.org", "bob@example.net"), msg("Subject: x\r\n\r\nno line end"));
        client.send(env("alice@example.org", "bob@example.net"), msg(".")); // a lone dot, no CRLF
        client.send(env("alice@example.org", "bob@example.net"), msg(""));
        assertThat(sink.messages()).extracting(ReceivedMessage::text)
                .containsExactly("Subject: x\r\n\r\nno line end\r\n", ".\r\n", "");
    }

    @Test
    void bareLineBreaksAreSentAsCrlf() throws Exception {
        connect(SinkSettings.defaults());
        // A bare LF before "." must not become an end-of-data for a lax next hop (SMTP smuggling).
        String body = "a\nb\rc\r\r\nd\n.\nMAIL FROM:<evil@x>\n.\r\nend\r";
        client.send(env("alice@example.org", "bob@example.net"), msg(body));
        assertThat(sink.messages().getFirst().text())
                .isEqualTo("a\r\nb\r\nc\r\n\r\nd\r\n.\r\nMAIL FROM:<evil@x>\r\n.\r\nend\r\n");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void oneOfThreeRecipientsRejected(boolean pipelining) throws Exception {
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                return to.startsWith("bad@") ? SmtpReply.of(550, "5.1.1", "<" + to + "> no such user")
                        : Behaviour.super.onRcpt(to, params);
            }
        };
        connect(SinkSettings.defaults().withPipelining(pipelining).withBehaviour(b));
        TransactionResult r = client.send(env("alice@example.org", "a@example.net", "bad@example.net", "c@example.net"),
                msg("x\r\n"));
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(250, 550, 250);
        assertThat(r.recipientReplies().get(1).enhanced()).isEqualTo("5.1.1");
        assertThat(r.recipientReplies().get(1).lines()).containsExactly("<bad@example.net> no such user");
        assertThat(r.accepted(0)).isTrue();
        assertThat(r.accepted(1)).isFalse();
        assertThat(r.replyFor(1).code()).isEqualTo(550);
        assertThat(r.accepted(2)).isTrue();
        assertThat(sink.messages().getFirst().rcptTo()).containsExactly("a@example.net", "c@example.net");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void allRecipientsRejectedLeavesTheConnectionUsable(boolean pipelining) throws Exception {
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                return to.startsWith("bad") ? SmtpReply.of(550, "5.1.1", "no such user") : Behaviour.super.onRcpt(to, params);
            }
        };
        connect(SinkSettings.defaults().withPipelining(pipelining).withBehaviour(b));
        TransactionResult r = client.send(env("alice@example.org", "bad1@example.net", "bad2@example.net"), msg("x\r\n"));
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(550, 550);
        if (pipelining) {
            assertThat(r.dataReply().code()).isEqualTo(554); // DATA refused, no 354 (RFC 2920 3.1)
        } else {
            assertThat(r.dataReply()).isNull(); // DATA never sent
        }
        assertThat(r.replyFor(0).code()).isEqualTo(550);
        // The client RSET the open transaction, so the next MAIL is not a nested one.
        assertThat(client.send(env("alice@example.org", "good@example.net"), msg("y\r\n")).accepted(0)).isTrue();
        assertThat(sink.messages()).hasSize(1);
    }

    @Test
    void mailRefusedWithoutPipeliningSendsNoRcpt() throws Exception {
        AtomicInteger rcpts = new AtomicInteger();
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onMail(String from, List<String> params) {
                return SmtpReply.of(553, "5.7.1", "sender not allowed");
            }

            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                rcpts.incrementAndGet();
                return Behaviour.super.onRcpt(to, params);
            }
        };
        connect(SinkSettings.defaults().withPipelining(false).withBehaviour(b));
        TransactionResult r = client.send(env("alice@example.org", "bob@example.net"), msg("x\r\n"));
        assertThat(r.mailReply().code()).isEqualTo(553);
        assertThat(r.recipientReplies()).isEmpty();
        assertThat(r.replyFor(0).code()).isEqualTo(553);
        assertThat(rcpts).hasValue(0);
    }

    @Test
    void transientFailureAfterDataThenSuccess() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onData(ReceivedMessage message) {
                return attempts.incrementAndGet() <= 2 ? SmtpReply.of(451, "4.3.0", "try again later")
                        : Behaviour.super.onData(message);
            }
        };
        connect(SinkSettings.defaults().withBehaviour(b));
        Envelope e = env("alice@example.org", "bob@example.net");
        for (int i = 0; i < 2; i++) {
            TransactionResult r = client.send(e, msg("x\r\n"));
            assertThat(r.dataReply().code()).isEqualTo(451);
            assertThat(r.dataReply().isTransient()).isTrue();
            assertThat(r.accepted(0)).isFalse();
            assertThat(r.replyFor(0).enhanced()).isEqualTo("4.3.0");
        }
        assertThat(sink.messages()).isEmpty();
        assertThat(client.send(e, msg("x\r\n")).accepted(0)).isTrue();
        assertThat(sink.messages()).hasSize(1);
    }

    @Test
    void serviceClosing421AnswersTheRest() throws Exception {
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                return to.startsWith("second") ? SmtpReply.of(421, "4.3.2", "shutting down")
                        : Behaviour.super.onRcpt(to, params);
            }
        };
        connect(SinkSettings.defaults().withPipelining(false).withBehaviour(b));
        TransactionResult r = client.send(env("alice@example.org", "first@example.net", "second@example.net",
                "third@example.net"), msg("x\r\n"));
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(250, 421, 421);
        assertThat(r.accepted(0)).isFalse(); // DATA then got the 421 too
        assertThat(r.replyFor(0).code()).isEqualTo(421);
    }

    @Test
    void startTlsThenAuthPlain() throws Exception {
        TestTls tls = TestTls.get();
        connect(SinkSettings.defaults().withStartTls(tls.server));
        assertThat(client.capabilities().has("STARTTLS")).isTrue();
        assertThat(client.capabilities().has("AUTH")).isFalse();
        assertThatThrownBy(() -> client.authPlain("alice", "secret")).isInstanceOf(IllegalStateException.class);

        client.startTls(SmtpClient.tls(tls.client, "localhost", true));
        assertThat(client.isTls()).isTrue();
        assertThat(client.capabilities()).isNull();
        assertThatThrownBy(() -> client.send(env("a@example.org", "b@example.net"), msg("x\r\n")))
                .isInstanceOf(IllegalStateException.class);
        Capabilities caps = client.ehlo();
        assertThat(caps.has("STARTTLS")).isFalse();
        assertThat(caps.authMechanisms()).containsExactly("PLAIN");

        client.authPlain("alice", "secret");
        assertThat(client.send(env("alice@example.org", "bob@example.net"), msg("secret\r\n")).accepted(0)).isTrue();
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.tls()).isTrue();
        assertThat(m.authUser()).isEqualTo("alice");
        assertThat(m.mailParams()).contains("AUTH=<>");
        client.quit();
    }

    @Test
    void startTlsWithUntrustedCertificateAbortsTheConnection() throws Exception {
        TestTls tls = TestTls.get();
        connect(SinkSettings.defaults().withStartTls(tls.server));
        javax.net.ssl.SSLContext trustsNothing = javax.net.ssl.SSLContext.getInstance("TLS");
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        java.security.KeyStore empty = java.security.KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        tmf.init(empty);
        trustsNothing.init(null, tmf.getTrustManagers(), null);
        assertThatThrownBy(() -> client.startTls(SmtpClient.tls(trustsNothing, "localhost", true)))
                .isInstanceOf(javax.net.ssl.SSLException.class);
        // Q-16: no silent fallback to plaintext.
        assertThatThrownBy(() -> client.send(env("a@example.org", "b@example.net"), msg("x\r\n")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> client.rset()).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void authPlainWithoutTlsWhenExplicitlyAllowed() throws Exception {
        connect(SinkSettings.defaults().withAuthWithoutTls(true));
        client.authPlain("bob", "pw", true);
        client.send(env("bob@example.org", "c@example.net"), msg("x\r\n"));
        assertThat(sink.messages().getFirst().authUser()).isEqualTo("bob");
    }

    @Test
    void greetingOtherThan220IsAnException() throws Exception {
        sink = SinkServer.start(SinkSettings.defaults().withBehaviour(new Behaviour() {
            @Override
            public SmtpReply onConnect(String hostname) {
                return SmtpReply.of(554, "5.7.1", "no service for you");
            }
        }));
        assertThatThrownBy(() -> SmtpClient.connect(sink.address(), SETTINGS))
                .isInstanceOfSatisfying(SmtpClientException.class, e -> assertThat(e.reply().code()).isEqualTo(554));
    }

    @Test
    void binaryMimeGoesByBdatUnchanged() throws Exception {
        connect(SinkSettings.defaults().withChunking(true));
        byte[] body = new byte[SmtpClient.CHUNK * 2 + 1234];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        byte[] tricky = "\r\n.\r\n\n.\n\r".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tricky, 0, body, 100, tricky.length);
        MailParameters p = new MailParameters(BodyType.BINARY_MIME, false, -1, null, null, null, false);
        TransactionResult r = client.send(env(p, "alice@example.org", "bob@example.net"), MessageSource.of(body));
        assertThat(r.accepted(0)).isTrue();
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.chunked()).isTrue();
        assertThat(m.mailParams()).contains("BODY=BINARYMIME");
        assertThat(m.data()).isEqualTo(body);
    }

    @Test
    void anOrdinaryMessageGoesByBdatTooWhenChunkingIsOffered() throws Exception {
        connect(SinkSettings.defaults().withChunking(true));
        byte[] body = "Subject: dots\r\n\r\n.leading dot stays single\r\n..\r\nend\r\n".getBytes(StandardCharsets.US_ASCII);
        TransactionResult r = client.send(env(MailParameters.NONE, "alice@example.org", "bob@example.net"),
                MessageSource.of(body));
        assertThat(r.accepted(0)).isTrue();
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.chunked()).isTrue();
        assertThat(m.data()).isEqualTo(body); // RFC 3030: no dot-stuffing in BDAT chunks
    }

    @Test
    void exactChunkMultipleEndsWithLastChunk() throws Exception {
        connect(SinkSettings.defaults().withChunking(true));
        MailParameters p = new MailParameters(BodyType.BINARY_MIME, false, -1, null, null, null, false);
        for (int size : new int[] {0, SmtpClient.CHUNK}) {
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 'b');
            assertThat(client.send(env(p, "a@example.org", "b@example.net"), MessageSource.of(body)).accepted(0)).isTrue();
        }
        assertThat(sink.messages()).extracting(m -> m.data().length).containsExactly(0, SmtpClient.CHUNK);
    }

    @Test
    void failingMessageSourceClosesTheConnection() throws Exception {
        connect(SinkSettings.defaults());
        MessageSource broken = new MessageSource() {
            @Override
            public InputStream open() {
                return new InputStream() {
                    private int n;

                    @Override
                    public int read() throws java.io.IOException {
                        if (n++ > 100) {
                            throw new java.io.IOException("disk gone");
                        }
                        return 'x';
                    }
                };
            }

            @Override
            public long size() {
                return 1000;
            }
        };
        assertThatThrownBy(() -> client.send(env("a@example.org", "b@example.net"), broken))
                .hasMessageContaining("disk gone");
        assertThatThrownBy(() -> client.rset()).isInstanceOf(java.io.IOException.class);
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void twentyMegabytesAreStreamed() throws Exception {
        connect(SinkSettings.defaults());
        long size = 20L * 1024 * 1024;
        MessageSource big = new MessageSource() {
            @Override
            public InputStream open() {
                return new GeneratedMessage(size);
            }

            @Override
            public long size() {
                return size;
            }
        };
        TransactionResult r = client.send(env("alice@example.org", "bob@example.net"), big);
        assertThat(r.accepted(0)).isTrue();
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.data().length).isEqualTo(size);
        assertThat(m.mailParams()).contains("SIZE=" + size);
        // Every 64th line starts with a dot: it must come back unstuffed, i.e. byte for byte.
        byte[] expected = new GeneratedMessage(size).readAllBytes();
        assertThat(Arrays.equals(m.data(), expected)).isTrue();
    }

    /**
     * 78-character lines (some starting with "."), generated on the fly: nothing held in memory. Sizes that
     * are a multiple of 80 end with CRLF.
     */
    static final class GeneratedMessage extends InputStream {
        private final long size;
        private long pos;

        GeneratedMessage(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (pos >= size) {
                return -1;
            }
            long line = pos / 80;
            int col = (int) (pos % 80);
            pos++;
            if (col == 78) {
                return '\r';
            }
            if (col == 79) {
                return '\n';
            }
            if (col == 0 && line % 64 == 0) {
                return '.';
            }
            return 'a' + (int) ((line + col) % 26);
        }
    }
}
