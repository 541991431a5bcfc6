package dev.mailroom.smtp;

import dev.mailroom.log.EventLog;
import dev.mailroom.tls.ServerTls;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Accepts connections on one address and runs each session on its own virtual thread.
 *
 * <p>Virtual threads keep the session code straight-line and blocking (easy to follow, one stack per
 * session) while thousands of idle sessions cost only a few KiB each. Connection limits are enforced
 * here ({@link ConnectionGate}): beyond them the client gets 421 4.7.0 instead of the greeting, and the
 * connection closes (RFC 5321 section 4.5.4.2, SMTP-40).
 */
public final class SmtpListener implements Closeable {

    /**
     * Connection limits: in total, and per client address at once and per minute.
     *
     * @param maxConnectionRatePerClient new connections per client address within a minute; 0 for no limit
     * @param exempt                     clients held only to the total (e.g. a webmail host); none by default
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient, int maxConnectionRatePerClient,
                         Predicate<InetAddress> exempt) {}

    /** How often the watchdog forgets clients that have not connected within the last minute. */
    private static final long SWEEP_INTERVAL_NANOS = 10_000_000_000L;

    private static final AtomicLong SESSION_COUNTER = new AtomicLong();

    private final ListenerSettings settings;
    private final MailPolicy policy;
    private final AuthService auth;
    private final ServerTls tls;
    private final SessionObserver observer;
    private final ConnectionGate gate;
    private final ServerSocket serverSocket;
    private final ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread acceptor;
    private final Thread idleWatchdog;
    private final java.util.Set<SmtpSession> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private SmtpListener(InetSocketAddress bind, ListenerSettings settings, MailPolicy policy, AuthService auth,
                         ServerTls tls, Limits limits, SessionObserver observer) throws IOException {
        this.settings = settings;
        this.observer = observer;
        this.policy = policy;
        this.auth = auth;
        this.tls = tls;
        this.gate = new ConnectionGate(limits, System::currentTimeMillis);
        this.serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(bind, 1024);
        this.acceptor = Thread.ofPlatform().name("accept-" + settings.name()).daemon(true).unstarted(this::acceptLoop);
        this.idleWatchdog = Thread.ofPlatform().name("idle-" + settings.name()).daemon(true).unstarted(this::watchIdle);
    }

    public static SmtpListener start(InetSocketAddress bind, ListenerSettings settings, MailPolicy policy,
                                     AuthService auth, ServerTls tls, Limits limits) throws IOException {
        return start(bind, settings, policy, auth, tls, limits, SessionObserver.NONE);
    }

    /** As above, reporting the sessions' events to {@code observer} (the metrics). */
    public static SmtpListener start(InetSocketAddress bind, ListenerSettings settings, MailPolicy policy,
                                     AuthService auth, ServerTls tls, Limits limits, SessionObserver observer)
            throws IOException {
        if (settings.tlsMode() != TlsMode.NONE && tls == null) {
            throw new IllegalArgumentException("listener " + settings.name() + " needs a TLS certificate");
        }
        SmtpListener listener = new SmtpListener(bind, settings, policy, auth, tls, limits, observer);
        listener.acceptor.start();
        listener.idleWatchdog.start();
        EventLog.info("listen", "listener", settings.name(), "address", bind.getAddress().getHostAddress(),
                "port", listener.port(), "tls", settings.tlsMode());
        return listener;
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public ListenerSettings settings() {
        return settings;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    EventLog.warn("accept-error", "listener", settings.name(), "error", e.getMessage());
                }
                continue;
            }
            InetAddress client = socket.getInetAddress();
            SmtpReply refusal = refusal(gate.admit(client));
            String id = nextSessionId();
            SmtpSession session = new SmtpSession(id, socket, settings, policy, auth, tls, refusal, observer);
            live.add(session);
            sessions.execute(() -> {
                // Named after the session, so a thread dump (or a log event's thread) tells whose thread it is.
                Thread.currentThread().setName("smtp-" + id);
                try {
                    session.run();
                } finally {
                    live.remove(session);
                    gate.release(client);
                }
            });
        }
    }

    /**
     * Enforces the sessions' idle timeouts (see SmtpSession.checkIdle): one pass over the live sessions every
     * quarter of the shortest timeout, at most once a second, so a timeout fires at most that much late.
     */
    private void watchIdle() {
        long shortest = Math.min(settings.commandTimeout().toMillis(), settings.dataTimeout().toMillis());
        long periodMillis = Math.clamp(shortest / 4, 20, 1000);
        long lastSweep = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (SmtpSession session : live) {
                session.checkIdle(now);
            }
            if (now - lastSweep > SWEEP_INTERVAL_NANOS) {
                gate.sweep();
                lastSweep = now;
            }
        }
    }

    /** The 421 for a refused connection, or null to greet it (see SmtpSession's refusal). */
    private SmtpReply refusal(ConnectionGate.Admission verdict) {
        String text = switch (verdict) {
            case ADMITTED -> null;
            case TOO_MANY_CONNECTIONS -> " Too many connections, try again later";
            case TOO_MANY_FROM_CLIENT -> " Too many connections from your address";
            case TOO_FAST_FROM_CLIENT -> " Too many connections from your address in the last minute, try again later";
        };
        return text == null ? null : SmtpReply.of(421, "4.7.0", settings.hostname() + text);
    }

    /** The connection limits' counts (admitted and refused, by reason), for the metrics. */
    /** Sessions running now (refused connections too, until their 421 is sent), for the metrics. */
    public int activeSessions() {
        return live.size();
    }

    /** Whether the listening socket is bound and open (the admin listener's readiness check). */
    public boolean listening() {
        return !closed && serverSocket.isBound() && !serverSocket.isClosed();
    }

    public ConnectionGate connections() {
        return gate;
    }

    private static String nextSessionId() {
        return Long.toString(System.currentTimeMillis(), 36) + "-" + Long.toString(SESSION_COUNTER.incrementAndGet(), 36);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        serverSocket.close();
        idleWatchdog.interrupt();
        for (SmtpSession session : live) {
            session.shutdown(); // 421 4.3.2 to every connected client (RFC 5321 section 3.8)
        }
        sessions.shutdownNow();
    }
}
