package dev.mailroom.sink;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small standalone SMTP receiver that records what it gets: the target of {@code mailroom sink}, of
 * the quickstart, and the stand-in smarthost in tests. It shares no code with Mailroom's server engine on
 * purpose, so that tests of the engine's client side talk to an independent peer.
 *
 * <p>One virtual thread per connection; commands are parsed strictly (CRLF only, exact
 * {@code MAIL FROM:<...>} syntax) so that a sloppy client shows up in tests.
 */
public final class SinkServer implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(SinkServer.class);

    /**
     * @param bind                     address to listen on
     * @param port                     port; 0 picks a free one (see {@link #port()})
     * @param hostname                 the name in the greeting and the EHLO reply
     * @param offerPipelining          advertise PIPELINING (RFC 2920)
     * @param offer8bitmime            advertise 8BITMIME (RFC 6152)
     * @param offerSmtputf8            advertise SMTPUTF8 (RFC 6531)
     * @param offerDsn                 advertise DSN (RFC 3461)
     * @param offerChunking            advertise CHUNKING and BINARYMIME and accept BDAT (RFC 3030)
     * @param offerEnhancedStatusCodes advertise ENHANCEDSTATUSCODES and put the codes on the wire (RFC 2034)
     * @param offerRequireTls          advertise REQUIRETLS, inside TLS only (RFC 8689 section 4)
     * @param maxSize                  -1: no SIZE advertised; 0: SIZE without a limit; n: {@code SIZE n}
     *                                 and larger messages get 552 5.3.4 (RFC 1870)
     * @param startTls                 offer STARTTLS with this context; null for none
     * @param authWithoutTls           advertise AUTH PLAIN before TLS too (it is always advertised inside
     *                                 TLS); any credentials are accepted and the user recorded
     * @param idleTimeout              close a connection that sends nothing for this long
     * @param behaviour                how to answer MAIL, RCPT and the data
     */
    public record SinkSettings(InetAddress bind, int port, String hostname, boolean offerPipelining,
                               boolean offer8bitmime, boolean offerSmtputf8, boolean offerDsn, boolean offerChunking,
                               boolean offerEnhancedStatusCodes, boolean offerRequireTls, long maxSize,
                               SSLContext startTls, boolean authWithoutTls, Duration idleTimeout,
                               Behaviour behaviour) {

        public SinkSettings {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(behaviour, "behaviour");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if (maxSize < -1) {
                throw new IllegalArgumentException("maxSize " + maxSize);
            }
        }

        /** Loopback, free port, every extension but CHUNKING, STARTTLS and REQUIRETLS; accepts everything. */
        public static SinkSettings defaults() {
            return new SinkSettings(InetAddress.getLoopbackAddress(), 0, "sink.localhost", true, true, true, true,
                    false, true, false, 0, null, false, Duration.ofMinutes(5), Behaviour.ACCEPT_ALL);
        }

        /** Like a plain RFC 5321 server: EHLO works but offers no extension at all. */
        public static SinkSettings minimal() {
            return new SinkSettings(InetAddress.getLoopbackAddress(), 0, "sink.localhost", false, false, false, false,
                    false, false, false, -1, null, false, Duration.ofMinutes(5), Behaviour.ACCEPT_ALL);
        }

        public SinkSettings withBind(InetAddress v) {
            return new SinkSettings(v, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withPort(int v) {
            return new SinkSettings(bind, v, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withHostname(String v) {
            return new SinkSettings(bind, port, v, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withPipelining(boolean v) {
            return new SinkSettings(bind, port, hostname, v, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings with8bitmime(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, v, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withSmtputf8(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, v, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withDsn(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, v, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withChunking(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, v, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withEnhancedStatusCodes(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, v, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withRequireTls(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, v, maxSize, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withMaxSize(long v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, v, startTls, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withStartTls(SSLContext v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, v, authWithoutTls, idleTimeout, behaviour);
        }

        public SinkSettings withAuthWithoutTls(boolean v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, v, idleTimeout, behaviour);
        }

        public SinkSettings withIdleTimeout(Duration v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, v, behaviour);
        }

        public SinkSettings withBehaviour(Behaviour v) {
            return new SinkSettings(bind, port, hostname, offerPipelining, offer8bitmime, offerSmtputf8, offerDsn, offerChunking, offerEnhancedStatusCodes, offerRequireTls, maxSize, startTls, authWithoutTls, idleTimeout, v);
        }
    }

    private final SinkSettings settings;
    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final List<ReceivedMessage> messages = new ArrayList<>();
    private final List<Consumer<ReceivedMessage>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private SinkServer(SinkSettings settings, ServerSocket server) {
        this.settings = settings;
        this.server = server;
    }

    /** Binds and starts accepting. */
    public static SinkServer start(SinkSettings settings) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(settings.bind(), settings.port()), 100);
        SinkServer sink = new SinkServer(settings, ss);
        Thread.ofVirtual().name("sink-accept-" + ss.getLocalPort()).start(sink::acceptLoop);
        log.info("SMTP sink listening on {}", ss.getLocalSocketAddress());
        return sink;
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    public SinkSettings settings() {
        return settings;
    }

    /** A snapshot of the messages accepted so far, in arrival order. */
    public List<ReceivedMessage> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** Waits until at least {@code n} messages have arrived and returns them all. */
    public List<ReceivedMessage> awaitCount(int n, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (messages.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("sink got " + messages.size() + " of " + n + " messages");
                }
                messages.wait(Math.max(1, left / 1_000_000));
            }
            return List.copyOf(messages);
        }
    }

    /** Waits for the {@code count}-th message (1-based) and returns it. */
    public ReceivedMessage await(int count, Duration timeout) throws InterruptedException, TimeoutException {
        return awaitCount(count, timeout).get(count - 1);
    }

    /** Called for every accepted message, on the connection's thread, before the client gets its 250. */
    public void onMessage(Consumer<ReceivedMessage> listener) {
        listeners.add(listener);
    }

    /** Forgets the recorded messages. */
    public void clear() {
        synchronized (messages) {
            messages.clear();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    void record(ReceivedMessage m) {
        synchronized (messages) {
            messages.add(m);
            messages.notifyAll();
        }
        for (Consumer<ReceivedMessage> l : listeners) {
            try {
                l.accept(m);
            } catch (RuntimeException e) {
                log.warn("sink listener failed", e);
            }
        }
    }

    void forget(Socket s) {
        connections.remove(s);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("sink accept failed", e);
                }
                return;
            }
            connections.add(s);
            if (closed) {
                forget(s);
                try {
                    s.close();
                } catch (IOException ignored) {
                    // shutting down
                }
                return;
            }
            Thread.ofVirtual().name("sink-" + s.getRemoteSocketAddress()).start(new SinkSession(this, settings, s));
        }
    }
}
