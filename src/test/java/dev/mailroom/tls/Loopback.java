package dev.mailroom.tls;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real TCP server on 127.0.0.1 that accepts plain connections and hands each to {@link ServerTls#wrapAccepted},
 * the way the SMTP listener on 465 does. Each connection's outcome (the session, or the handshake failure) is queued
 * for the test to inspect.
 */
final class Loopback implements AutoCloseable {
    static final String GREETING = "220 loopback ready\r\n";

    private final ServerSocket listener;
    private final Thread acceptor;
    private final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();

    Loopback(ServerTls tls) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket plain = listener.accept();
                    Thread.ofVirtual().start(() -> serve(tls, plain));
                } catch (IOException e) {
                    return; // listener closed
                }
            }
        });
    }

    private void serve(ServerTls tls, Socket plain) {
        try (plain) {
            plain.setSoTimeout(10_000);
            SSLSocket s = tls.wrapAccepted(plain);
            try {
                s.startHandshake();
            } catch (IOException handshakeFailure) {
                outcomes.add(handshakeFailure);
                return;
            }
            outcomes.add(s.getSession());
            try (s) {
                OutputStream out = s.getOutputStream();
                out.write(GREETING.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // Wait for the client to finish so we do not close under it.
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // discard
                }
            }
        } catch (IOException e) {
            // After a successful handshake only the client hanging up ends up here; not an outcome.
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The next connection's outcome: an {@link SSLSession} or the {@link IOException} the server saw. */
    Object nextOutcome() throws InterruptedException {
        Object o = outcomes.poll(15, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("server saw no connection outcome within 15 s");
        }
        return o;
    }

    Socket connectPlain() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port());
        s.setSoTimeout(10_000);
        return s;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
