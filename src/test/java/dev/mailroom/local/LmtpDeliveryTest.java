package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.MessageSource;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LMTP client against a real Dovecot; fault cases against a peer that misbehaves on purpose. */
class LmtpDeliveryTest {

    @TempDir
    static Path dir;
    static DovecotLmtp dovecot;

    static final LmtpClient.Settings SETTINGS = new LmtpClient.Settings("mx.test", Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10));
    static final MailParameters EIGHT_BIT = new MailParameters(BodyType.EIGHT_BIT_MIME, false, -1, null, null, null, false);

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotLmtp.start(dir, List.of("alice@example.org", "bob@example.org", "carol@example.net",
                "dave@example.org", "erin@example.org", "frank@example.org", "gina@example.org", "henry@example.org",
                "ivan@example.org"));
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    static Mailbox mbox(String address) {
        int at = address.lastIndexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    static Envelope env(MailParameters params, String from, String... to) {
        return new Envelope(from == null ? null : mbox(from), params, Arrays.stream(to).map(t -> Recipient.of(mbox(t))).toList());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What Dovecot stores: Return-Path, and Delivered-To when the transaction had a single recipient
     * (Dovecot's rule), then the message. As ISO-8859-1 text, which maps every byte to one char, so the
     * comparison is byte for byte and a failure is readable.
     */
    static String stored(String returnPath, String deliveredTo, byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes("Return-Path: <" + returnPath + ">\r\n"));
        if (deliveredTo != null) {
            out.writeBytes(bytes("Delivered-To: " + deliveredTo + "\r\n"));
        }
        out.writeBytes(message);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static List<String> delivered(String address) throws Exception {
        return dovecot.delivered(address).stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    @Test
    void severalRecipientsEachGetTheirOwnReplyAndTheExactMessage() throws Exception {
        byte[] message = bytes("From: sender@remote.example\r\nSubject: LMTP \u00e9t\u00e9\r\n\r\n"
                + ".a line starting with a dot\r\n..two dots\r\n.\r\nbody \u00e9\r\n");
        LmtpDelivery lmtp = new LmtpDelivery(dovecot.tcp(), SETTINGS);

        List<SmtpReply> replies = lmtp.deliver(env(EIGHT_BIT, "sender@remote.example",
                "alice@example.org", "bob@example.org", "carol@example.net"), MessageSource.of(message));

        assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250, 250, 250);
        assertThat(replies).extracting(SmtpReply::enhanced).containsExactly("2.0.0", "2.0.0", "2.0.0");
        // RFC 2033 section 4.2: each reply names its own recipient (Dovecot puts the address in the text).
        assertThat(replies.get(0).lines().getFirst()).contains("<alice@example.org>");
        assertThat(replies.get(2).lines().getFirst()).contains("<carol@example.net>");
        for (String rcpt : List.of("alice@example.org", "bob@example.org", "carol@example.net")) {
            assertThat(delivered(rcpt)).as(rcpt + "\n" + dovecot.log())
                    .containsExactly(stored("sender@remote.example", null, message));
        }
    }

    @Test
    void anUnknownRecipientIsRefusedWhileTheOthersAreDelivered() throws Exception {
        byte[] message = bytes("Subject: partial\r\n\r\nhello\r\n");
        List<SmtpReply> replies = new LmtpDelivery(dovecot.tcp(), SETTINGS).deliver(
                env(MailParameters.NONE, null, "dave@example.org", "nobody@example.org", "erin@example.org"),
                MessageSource.of(message));

        assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250, 550, 250);
        assertThat(replies.get(1).enhanced()).isEqualTo("5.1.1");
        assertThat(delivered("dave@example.org")).containsExactly(stored("", null, message));
        assertThat(delivered("erin@example.org")).containsExactly(stored("", null, message));
        assertThat(delivered("nobody@example.org")).isEmpty();
    }

    @Test
    void overTheUnixSocket() throws Exception {
        byte[] message = bytes("Subject: unix\r\n\r\nvia a socket file\r\n");
        List<SmtpReply> replies = new LmtpDelivery(dovecot.unix(), SETTINGS)
                .deliver(env(MailParameters.NONE, "x@remote.example", "frank@example.org"), MessageSource.of(message));
        assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250);
        assertThat(delivered("frank@example.org")).containsExactly(stored("x@remote.example", "frank@example.org", message));
    }

    @Test
    void oneConnectionCarriesSeveralTransactionsAlsoAfterAllRecipientsWereRefused() throws Exception {
        try (LmtpClient client = LmtpClient.connect(dovecot.tcp(), SETTINGS)) {
            assertThat(client.capabilities().has("PIPELINING")).isTrue();
            assertThat(client.capabilities().has("ENHANCEDSTATUSCODES")).isTrue();
            List<SmtpReply> none = client.send(env(MailParameters.NONE, "a@remote.example", "ghost@example.org"),
                    MessageSource.of(bytes("Subject: 0\r\n\r\n0\r\n")));
            assertThat(none).as(() -> none + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(550);
            List<SmtpReply> first = client.send(env(MailParameters.NONE, "a@remote.example", "gina@example.org"),
                    MessageSource.of(bytes("Subject: 1\r\n\r\n1\r\n")));
            List<SmtpReply> second = client.send(env(MailParameters.NONE, "b@remote.example", "gina@example.org"),
                    MessageSource.of(bytes("Subject: 2\r\n\r\n2\r\n")));
            assertThat(first).as(() -> first + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250);
            assertThat(second).as(() -> second + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250);
            assertThat(client.isOpen()).isTrue();
            client.quit();
        }
        assertThat(delivered("gina@example.org")).containsExactlyInAnyOrder(
                stored("a@remote.example", "gina@example.org", bytes("Subject: 1\r\n\r\n1\r\n")),
                stored("b@remote.example", "gina@example.org", bytes("Subject: 2\r\n\r\n2\r\n")));
    }

    @Test
    void aNonAsciiMailboxIsRefusedWhenTheServerLacksSmtputf8AndTheRestIsDelivered() throws Exception {
        // Dovecot 2.3 does not offer SMTPUTF8 (RFC 6531): the client must not send it a UTF-8 address.
        MailParameters utf8 = new MailParameters(BodyType.EIGHT_BIT_MIME, true, -1, null, null, null, false);
        byte[] message = bytes("Subject: utf8\r\n\r\nx\r\n");
        try (LmtpClient client = LmtpClient.connect(dovecot.tcp(), SETTINGS)) {
            assertThat(client.capabilities().has("SMTPUTF8")).isFalse();
        }
        List<SmtpReply> replies = new LmtpDelivery(dovecot.tcp(), SETTINGS)
                .deliver(env(utf8, "s@remote.example", "h\u00e9nry@example.org", "henry@example.org"), MessageSource.of(message));
        assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(553, 250);
        assertThat(replies.get(0).enhanced()).isEqualTo("5.6.7");
        // Dovecot counts the one recipient it was given: a single-recipient transaction, with Delivered-To.
        assertThat(delivered("henry@example.org")).containsExactly(stored("s@remote.example", "henry@example.org", message));
    }

    @Test
    void anAddressWithALineBreakNeverReachesTheWire() throws Exception {
        byte[] message = bytes("Subject: guard\r\n\r\nx\r\n");
        Envelope e = new Envelope(mbox("s@remote.example"), MailParameters.NONE, List.of(
                Recipient.of(new Mailbox("x>\r\nRCPT TO:<alice", "example.org")), Recipient.of(mbox("ivan@example.org"))));
        List<SmtpReply> replies = new LmtpDelivery(dovecot.tcp(), SETTINGS).deliver(e, MessageSource.of(message));
        assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(550, 250);
        assertThat(replies.getFirst().enhanced()).isEqualTo("5.1.3");
        assertThat(delivered("ivan@example.org")).containsExactly(stored("s@remote.example", "ivan@example.org", message));
    }

    @Test
    void anUnreachableServerIsATemporaryFailureForEveryone() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        List<SmtpReply> tcp = new LmtpDelivery(new LmtpTarget.Tcp("127.0.0.1", closedPort), SETTINGS)
                .deliver(env(MailParameters.NONE, null, "a@example.org", "b@example.org"), MessageSource.of(bytes("x\r\n")));
        assertThat(tcp).as(() -> tcp + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(451, 451);
        assertThat(tcp).extracting(SmtpReply::enhanced).containsExactly("4.4.1", "4.4.1");

        List<SmtpReply> unix = new LmtpDelivery(new LmtpTarget.Unix(dir.resolve("no-such-socket")), SETTINGS)
                .deliver(env(MailParameters.NONE, null, "a@example.org"), MessageSource.of(bytes("x\r\n")));
        assertThat(unix).as(() -> unix + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(451);
    }

    @Test
    void aServerThatNeverGreetsTimesOut() throws Exception {
        LmtpClient.Settings quick = new LmtpClient.Settings("mx.test", Duration.ofSeconds(2), Duration.ofMillis(300),
                Duration.ofMillis(300), Duration.ofMillis(300));
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            List<SmtpReply> replies = new LmtpDelivery(new LmtpTarget.Tcp("127.0.0.1", silent.getLocalPort()), quick)
                    .deliver(env(MailParameters.NONE, null, "a@example.org"), MessageSource.of(bytes("x\r\n")));
            assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(451);
            assertThat(replies.getFirst().lines().getFirst()).contains("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    /**
     * A connection that breaks after the final dot, once the first recipient's reply has come: that reply
     * stands (Dovecot would have stored the message), the other recipient is retried later. Dovecot cannot
     * be made to fail like this, so a scripted peer plays the server.
     */
    @Test
    void aConnectionLostBetweenPerRecipientRepliesKeepsTheRepliesAlreadyGiven() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = s.getOutputStream();
                    out.write(bytes("220 peer LMTP\r\n"));
                    String line;
                    while ((line = in.readLine()) != null) {
                        received.add(line);
                        if (line.startsWith("LHLO")) {
                            out.write(bytes("250-peer\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"));
                        } else if (line.startsWith("MAIL") || line.startsWith("RCPT")) {
                            out.write(bytes("250 2.1.0 OK\r\n"));
                        } else if (line.equals("DATA")) {
                            out.write(bytes("354 go\r\n"));
                            while (!(line = in.readLine()).equals(".")) {
                                received.add(line);
                            }
                            out.write(bytes("250 2.0.0 <one@example.org> saved\r\n"));
                            out.flush();
                            return; // and close: the second reply never comes
                        }
                        out.flush();
                    }
                } catch (Exception e) {
                    received.add("peer failed: " + e);
                }
            });
            List<SmtpReply> replies = new LmtpDelivery(new LmtpTarget.Tcp("127.0.0.1", server.getLocalPort()), SETTINGS)
                    .deliver(env(MailParameters.NONE, "s@remote.example", "one@example.org", "two@example.org"),
                            MessageSource.of(bytes("Subject: x\r\n\r\n.dot\r\n")));
            peer.join();
            assertThat(replies).as(() -> replies + "\n" + dovecot.log()).extracting(SmtpReply::code).containsExactly(250, 451);
            assertThat(replies.get(1).enhanced()).isEqualTo("4.4.2");
            assertThat(new ArrayList<>(received)).containsSubsequence("LHLO mx.test", "MAIL FROM:<s@remote.example>",
                    "RCPT TO:<one@example.org>", "RCPT TO:<two@example.org>", "DATA", "Subject: x", "", "..dot");
        }
    }

    /** A server that takes the transaction and then stops reading: the data write must time out, not hang. */
    @Test
    void aServerThatStopsReadingDuringDataTimesOut() throws Exception {
        LmtpClient.Settings quick = new LmtpClient.Settings("mx.test", Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofMillis(300), Duration.ofSeconds(2));
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = s.getOutputStream();
                    out.write(bytes("220 peer\r\n"));
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("LHLO")) {
                            out.write(bytes("250-peer\r\n250 PIPELINING\r\n"));
                        } else if (line.equals("DATA")) {
                            out.write(bytes("354 go\r\n"));
                            out.flush();
                            done.await(); // and read nothing more
                            return;
                        } else {
                            out.write(bytes("250 OK\r\n"));
                        }
                        out.flush();
                    }
                } catch (Exception e) {
                    // the client gave up, as it should
                }
            });
            byte[] big = new byte[16 * 1024 * 1024];
            Arrays.fill(big, (byte) 'a');
            long start = System.nanoTime();
            List<SmtpReply> replies = new LmtpDelivery(new LmtpTarget.Tcp("127.0.0.1", server.getLocalPort()), quick)
                    .deliver(env(MailParameters.NONE, null, "one@example.org"), MessageSource.of(big));
            done.countDown();
            peer.join();
            assertThat(replies).extracting(SmtpReply::code).containsExactly(451);
            assertThat(replies.getFirst().enhanced()).isEqualTo("4.4.2");
            assertThat(replies.getFirst().lines().getFirst()).contains("write timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void targetsParseFromConfigurationText() {
        assertThat(LmtpTarget.parse("127.0.0.1:24")).isEqualTo(new LmtpTarget.Tcp("127.0.0.1", 24));
        assertThat(LmtpTarget.parse("[::1]:24")).isEqualTo(new LmtpTarget.Tcp("::1", 24));
        assertThat(LmtpTarget.parse("unix:/run/dovecot/lmtp")).isEqualTo(new LmtpTarget.Unix(Path.of("/run/dovecot/lmtp")));
        assertThat(LmtpTarget.parse("/run/dovecot/lmtp")).isEqualTo(new LmtpTarget.Unix(Path.of("/run/dovecot/lmtp")));
        for (String bad : List.of("localhost", "::1:24", "host:", "host:x", "host:70000")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LmtpTarget.parse(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
