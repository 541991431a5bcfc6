package dev.mailroom.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.sink.TestTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against hand-scripted raw servers, for behaviour the sink would never show. */
class RawPeerTest {

    /** One scripted connection on a loopback ServerSocket. */
    static final class RawPeer implements AutoCloseable {
        final ServerSocket server;
        final List<String> received = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Socket socket;
        InputStream in;
        OutputStream out;

        interface Script {
            void run(RawPeer peer) throws Exception;
        }

        RawPeer(Script script) throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    socket = s;
                    in = s.getInputStream();
                    out = s.getOutputStream();
                    script.run(this);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        /** Reads one line byte by byte (never past it), records it and returns it without CRLF. */
        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("EOF");
                }
                b.write(c);
            }
            String s = b.toString(StandardCharsets.UTF_8);
            assertThat(s).endsWith("\r");
            s = s.substring(0, s.length() - 1);
            received.add(s);
            return s;
        }

        String expect(String prefix) throws IOException {
            String l = line();
            assertThat(l).startsWith(prefix);
            return l;
        }

        /** Sends in a single write. */
        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void upgrade() throws Exception {
            SSLSocket ssl = (SSLSocket) TestTls.get().server.getSocketFactory().createSocket(socket, null, true);
            ssl.startHandshake();
            in = ssl.getInputStream();
            out = ssl.getOutputStream();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    private SmtpClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void bytesInjectedAfterStartTlsReplyAreDiscarded() throws Exception {
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 fake ESMTP\r\n");
            p.expect("EHLO ");
            p.send("250-fake\r\n250 STARTTLS\r\n");
            p.expect("STARTTLS");
            // A MITM-style injection: a reply after the 220, before the handshake, in the same write.
            p.send("220 go\r\n250 injected\r\n");
            p.upgrade();
            p.expect("EHLO ");
            p.send("250-fake.tls greets you\r\n250-REALTLS\r\n250 8BITMIME\r\n");
            p.expect("QUIT");
            p.send("221 bye\r\n");
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            client.ehlo();
            client.startTls(SmtpClient.tls(TestTls.get().client, "localhost", true));
            assertThat(client.discardedAfterTls()).isEqualTo("250 injected\r\n".length());
            Capabilities caps = client.ehlo();
            assertThat(caps.keywords()).containsExactlyInAnyOrder("REALTLS", "8BITMIME");
            client.quit();
            peer.done.get(10, TimeUnit.SECONDS);
            assertThat(peer.received).containsExactly("EHLO client.test", "STARTTLS", "EHLO client.test", "QUIT");
        }
    }

    @Test
    void heloFallbackWhenEhloIsNotImplemented() throws Exception {
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 old.example SMTP\r\n");
            p.expect("EHLO ");
            p.send("502 command not implemented\r\n");
            p.expect("HELO ");
            p.send("250 old.example\r\n");
            p.expect("MAIL ");
            p.send("250 ok\r\n");
            p.expect("RCPT ");
            p.send("250 ok\r\n");
            p.expect("DATA");
            p.send("354 go ahead\r\n");
            while (!p.line().equals(".")) {
                // content
            }
            p.send("250 2.0.0 queued\r\n");
            p.expect("QUIT");
            p.send("221 bye\r\n");
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            Capabilities caps = client.ehlo();
            assertThat(caps.esmtp()).isFalse();
            assertThat(caps.keywords()).isEmpty();
            MailParameters all = new MailParameters(BodyType.EIGHT_BIT_MIME, true, 5, DsnRet.FULL, "x", null, true);
            TransactionResult r = client.send(SmtpClientTest.env(all, "alice@example.org", "bob@example.net"),
                    SmtpClientTest.msg("hi\r\n..\r\n"));
            assertThat(r.accepted(0)).isTrue();
            // No ENHANCEDSTATUSCODES offered: "2.0.0" stays text.
            assertThat(r.dataReply().enhanced()).isNull();
            assertThat(r.dataReply().lines()).containsExactly("2.0.0 queued");
            client.quit();
            peer.done.get(10, TimeUnit.SECONDS);
            assertThat(peer.received).containsExactly("EHLO client.test", "HELO client.test",
                    "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA", "hi", "...", ".", "QUIT");
        }
    }

    @Test
    void ehloAndHeloBothRefused() throws Exception {
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 x\r\n");
            p.expect("EHLO ");
            p.send("500 what\r\n");
            p.expect("HELO ");
            p.send("550 go away\r\n");
            p.line();
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            assertThatThrownBy(() -> client.ehlo()).isInstanceOfSatisfying(SmtpClientException.class,
                    e -> assertThat(e.reply().code()).isEqualTo(550));
        }
    }

    @Test
    void pipelined354WithoutRecipientsGetsALoneDot() throws Exception {
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 x\r\n");
            p.expect("EHLO ");
            p.send("250-x\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n");
            p.expect("MAIL ");
            p.expect("RCPT ");
            p.expect("DATA");
            // A server that (wrongly) gives 354 although the only RCPT failed.
            p.send("250 2.1.0 ok\r\n550 5.1.1 unknown\r\n354 go\r\n");
            p.expect(".");
            p.send("554 5.5.1 no valid recipients\r\n");
            p.expect("QUIT");
            p.send("221 bye\r\n");
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            client.ehlo();
            TransactionResult r = client.send(SmtpClientTest.env("a@example.org", "b@example.net"),
                    SmtpClientTest.msg("must not be sent\r\n"));
            assertThat(r.recipientReplies()).extracting(rep -> rep.code()).containsExactly(550);
            assertThat(r.dataReply().code()).isEqualTo(554);
            client.quit();
            peer.done.get(10, TimeUnit.SECONDS);
            assertThat(peer.received).doesNotContain("must not be sent");
        }
    }

    @Test
    void mismatchedEnhancedCodeStaysInTheText() throws Exception {
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 x\r\n");
            p.expect("EHLO ");
            p.send("250-x\r\n250 ENHANCEDSTATUSCODES\r\n");
            p.expect("NOOP");
            p.send("250-5.1.1 wrong class\r\n250 5.1.1 still wrong\r\n");
            p.expect("NOOP");
            p.send("250-2.0.0 first\r\n250-2.0.0\r\n250 2.0.0 last\r\n");
            p.expect("NOOP");
            p.send("250 2.0 malformed\r\n");
            p.line();
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            client.ehlo();
            var r1 = client.noop();
            assertThat(r1.enhanced()).isNull();
            assertThat(r1.lines()).containsExactly("5.1.1 wrong class", "5.1.1 still wrong");
            var r2 = client.noop();
            assertThat(r2.enhanced()).isEqualTo("2.0.0");
            assertThat(r2.lines()).containsExactly("first", "", "last");
            var r3 = client.noop();
            assertThat(r3.enhanced()).isNull();
            assertThat(r3.lines()).containsExactly("2.0 malformed");
        }
    }

    @Test
    void garbageRepliesAreExceptions() throws Exception {
        for (String bad : List.of("hello\r\n", "250 bare LF\n", "2500 x\r\n", "250-a\r\n251 b\r\n",
                "250 " + "x".repeat(600) + "\r\n", "250+x\r\n", "199 low\r\n", "250 a\rb\r\n")) {
            try (RawPeer peer = new RawPeer(p -> {
                p.send(bad);
                p.in.read();
            })) {
                assertThatThrownBy(() -> SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS))
                        .as(bad).isInstanceOfSatisfying(SmtpClientException.class, e -> assertThat(e.reply()).isNull());
            }
        }
    }

    @Test
    void longestLegalReplyLineIsAccepted() throws Exception {
        String text = "x".repeat(512 - 6); // "220 " + text + CRLF = 512 octets
        try (RawPeer peer = new RawPeer(p -> {
            p.send("220 " + text + "\r\n");
            p.in.read();
        })) {
            client = SmtpClient.connect(peer.address(), SmtpClientTest.SETTINGS);
            assertThat(client.greeting().lines()).containsExactly(text);
        }
    }
}
