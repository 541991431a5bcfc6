package dev.mailroom.smtp.client;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbound SMTP (RFC 5321) client connection: relay to a smarthost, and later MX delivery.
 *
 * <p>One instance is one TCP connection and is not thread-safe. The usual sequence is
 * {@link #connect}, {@link #ehlo}, optionally {@link #startTls} + {@link #ehlo} + {@link #authPlain},
 * then one or more {@link #send} calls, then {@link #quit}. {@link #send} leaves the connection ready for
 * the next transaction (it sends RSET itself when a transaction was left open), which is what lets the
 * queue reuse a connection per destination (RFC 5321 section 4.5.4.1, Q-05).
 *
 * <p>Policy stays with the caller: whether TLS is required, what to do when the message needs
 * SMTPUTF8, 8BITMIME or BINARYMIME and the server lacks it (the client then just omits the parameter),
 * and how to turn replies into retries or DSNs.
 */
public final class SmtpClient implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(SmtpClient.class);

    /** BDAT chunk size (RFC 3030 leaves it to the client). */
    static final int CHUNK = 256 * 1024;
    /** How long {@link #quit()} waits for the 221 before just closing. */
    private static final Duration QUIT_WAIT = Duration.ofSeconds(5);

    /** Closes sockets whose write blocks too long: SO_TIMEOUT covers reads only. */
    private static final ScheduledThreadPoolExecutor WATCHDOG;

    static {
        WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-client-write-watchdog");
            t.setDaemon(true);
            return t;
        });
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    /**
     * @param heloName         the name we give in EHLO/HELO (RFC 5321 section 4.1.1.1: our FQDN or an
     *                         address literal)
     * @param connectTimeout   TCP connect
     * @param commandTimeout   greeting and every command reply; RFC 5321 section 4.5.3.2 asks 5 minutes
     * @param dataBlockTimeout each write of message content; RFC 5321 section 4.5.3.2.5 asks 3 minutes
     * @param finalDotTimeout  the reply after the end of data; RFC 5321 section 4.5.3.2.6 asks 10 minutes,
     *                         because the server may do its delivery work before answering
     */
    public record ClientSettings(String heloName, Duration connectTimeout, Duration commandTimeout,
                                 Duration dataBlockTimeout, Duration finalDotTimeout) {
        public ClientSettings {
            Objects.requireNonNull(heloName, "heloName");
            if (heloName.isBlank() || heloName.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("bad HELO name: " + heloName);
            }
            for (Duration d : List.of(connectTimeout, commandTimeout, dataBlockTimeout, finalDotTimeout)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("timeouts must be positive");
                }
            }
        }

        /** The RFC 5321 section 4.5.3.2 timeouts, and 30 s to connect. */
        public static ClientSettings defaults(String heloName) {
            return new ClientSettings(heloName, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(3),
                    Duration.ofMinutes(10));
        }
    }

    private final ClientSettings settings;
    private final InetSocketAddress remote;
    private final Socket plainSocket;
    private Socket socket;
    private ReplyReader reader;
    private WatchedOutputStream watched;
    private OutputStream out;
    private final DotStuffer stuffer = new DotStuffer(); // its buffers serve every message of this connection
    private SmtpReply greeting;
    private Capabilities capabilities;
    private boolean tls;
    private boolean closed;
    /** Set when the server said 421: it is closing the channel (RFC 5321 section 3.8). */
    private SmtpReply closing;
    /** Bytes thrown away after the STARTTLS reply (for tests of Q-17). */
    private int discardedAfterTls;

    private SmtpClient(Socket socket, InetSocketAddress remote, ClientSettings settings) throws IOException {
        this.settings = settings;
        this.remote = remote;
        this.plainSocket = socket;
        attach(socket);
    }

    /**
     * Opens the connection and reads the greeting.
     *
     * @throws SmtpClientException the greeting is not 220 (e.g. 554, RFC 5321 section 3.1); the client
     *                             then says QUIT and closes, and the exception carries the greeting
     */
    public static SmtpClient connect(InetSocketAddress addr, ClientSettings settings)
            throws IOException, SmtpClientException {
        Socket s = new Socket();
        try {
            // Commands are small and we write each batch with one flush; Nagle would only add latency.
            s.setTcpNoDelay(true);
            s.connect(addr, millis(settings.connectTimeout()));
            SmtpClient client = new SmtpClient(s, addr, settings);
            client.greeting = client.readReply(settings.commandTimeout());
            if (client.greeting.code() != 220) {
                client.quit();
                throw new SmtpClientException("server refused the session", client.greeting);
            }
            return client;
        } catch (IOException | SmtpClientException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    /**
     * A STARTTLS wrapper for {@link #startTls}: a client-mode socket over the connection limited to TLS 1.2
     * and 1.3, with SNI for {@code peerHost}, that completes the handshake.
     *
     * @param verifyHostname check the certificate against {@code peerHost} (RFC 6125 rules through the
     *                       JDK's "HTTPS" identification); false for opportunistic TLS, where any
     *                       certificate is better than plaintext (RFC 7435)
     */
    public static Function<Socket, SSLSocket> tls(SSLContext context, String peerHost, boolean verifyHostname) {
        return s -> {
            try {
                SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(s, peerHost, s.getPort(), true);
                ssl.setUseClientMode(true);
                SSLParameters p = ssl.getSSLParameters();
                p.setProtocols(Arrays.stream(ssl.getSupportedProtocols())
                        .filter(v -> v.equals("TLSv1.3") || v.equals("TLSv1.2")).toArray(String[]::new));
                if (verifyHostname) {
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                }
                ssl.setSSLParameters(p);
                ssl.startHandshake();
                return ssl;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** The server's 220 greeting. */
    public SmtpReply greeting() {
        return greeting;
    }

    /** What the last EHLO offered; null before the first {@link #ehlo()} and again after STARTTLS. */
    public Capabilities capabilities() {
        return capabilities;
    }

    public boolean isTls() {
        return tls;
    }

    public InetSocketAddress remote() {
        return remote;
    }

    int discardedAfterTls() {
        return discardedAfterTls;
    }

    /**
     * Sends EHLO; when the server refuses it with a 5yz (an RFC 821-only server answers 500 or 502), falls
     * back to HELO as RFC 5321 section 3.2 allows, and the session then has no extensions.
     */
    public Capabilities ehlo() throws IOException, SmtpClientException {
        capabilities = null;
        writeCommands(List.of("EHLO " + settings.heloName()));
        SmtpReply reply = readReply(settings.commandTimeout());
        if (reply.code() / 100 == 2) {
            capabilities = Capabilities.fromEhloReply(reply);
            return capabilities;
        }
        if (reply.code() / 100 != 5) {
            throw new SmtpClientException("EHLO failed", reply);
        }
        writeCommands(List.of("HELO " + settings.heloName()));
        SmtpReply helo = readReply(settings.commandTimeout());
        if (helo.code() / 100 != 2) {
            throw new SmtpClientException("EHLO and HELO refused", helo);
        }
        capabilities = Capabilities.helo();
        return capabilities;
    }

    /**
     * STARTTLS (RFC 3207). After the 220, any bytes the server already sent are thrown away: they came
     * before the TLS handshake, so a man in the middle could have put them there, and reading them as
     * replies to our later commands would be a response injection (RFC 3207 section 4.2, Q-17). The
     * {@code wrapper} must return a connected socket with the handshake done (see {@link #tls}); if it
     * fails the connection is closed, not continued in plaintext (RFC 3207 section 4.1, Q-16). What the
     * server said before TLS is forgotten: call {@link #ehlo()} again before anything else.
     */
    public void startTls(Function<Socket, SSLSocket> wrapper) throws IOException, SmtpClientException {
        if (tls) {
            throw new IllegalStateException("TLS is already active");
        }
        writeCommands(List.of("STARTTLS"));
        SmtpReply reply = readReply(settings.commandTimeout());
        if (reply.code() != 220) {
            throw new SmtpClientException("STARTTLS refused", reply);
        }
        int injected = reader.discardBuffered();
        discardedAfterTls = injected;
        if (injected > 0) {
            log.warn("{}: discarded {} bytes the server sent after its STARTTLS reply (RFC 3207 4.2)", remote, injected);
        }
        capabilities = null;
        SSLSocket ssl;
        try {
            ssl = wrapper.apply(plainSocket);
            if (ssl == null) {
                throw new IOException("TLS wrapper returned no socket");
            }
        } catch (UncheckedIOException e) {
            close();
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        attach(ssl);
        tls = true;
    }

    /** {@link #authPlain(String, String, boolean)} that refuses to send the password without TLS. */
    public void authPlain(String user, String password) throws IOException, SmtpClientException {
        authPlain(user, password, false);
    }

    /**
     * AUTH PLAIN with the initial response (RFC 4954 section 4, RFC 4616). PLAIN sends the password in the
     * clear inside base64, so it is refused without TLS unless {@code allowWithoutTls} (RFC 4616 section 6).
     */
    public void authPlain(String user, String password, boolean allowWithoutTls) throws IOException, SmtpClientException {
        if (!tls && !allowWithoutTls) {
            throw new IllegalStateException("AUTH PLAIN without TLS would expose the password");
        }
        requireEhlo();
        String token = Base64.getEncoder().encodeToString(
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        log.debug("{} >> AUTH PLAIN <credentials for {}>", remote, user);
        writeRaw(("AUTH PLAIN " + token + "\r\n").getBytes(StandardCharsets.UTF_8));
        SmtpReply reply = readReply(settings.commandTimeout());
        if (reply.code() == 334) {
            // The server wants the response again in a continuation: we sent it already, so cancel
            // (RFC 4954 section 4: "*" aborts the exchange) rather than send the password twice.
            writeCommands(List.of("*"));
            SmtpReply cancelled = readReply(settings.commandTimeout());
            throw new SmtpClientException("AUTH PLAIN: server ignored the initial response", cancelled);
        }
        if (reply.code() != 235) {
            throw new SmtpClientException("authentication failed", reply);
        }
    }

    /**
     * One mail transaction: MAIL, RCPT for each recipient, then DATA (or BDAT). Refusals come back in the
     * result, never as exceptions; an IOException means the outcome is unknown (the caller retries, which
     * may duplicate: RFC 5321 section 6.1 accepts that).
     *
     * <p>MAIL and RCPT get only the parameters the server offered (an unknown parameter would make it
     * refuse the whole command, RFC 5321 section 4.1.1.11). Which ones, and why:
     * <ul>
     *   <li>SIZE=actual size when SIZE is offered (RFC 1870 section 6); if the server's advertised maximum
     *       is smaller, nothing is sent and a {@code 552 5.3.4} is synthesized.</li>
     *   <li>BODY=7BIT/8BITMIME when 8BITMIME is offered (RFC 6152); BODY=BINARYMIME when BINARYMIME and
     *       CHUNKING are offered (RFC 3030 section 3). Every body goes by BDAT when CHUNKING is offered, and
     *       by DATA otherwise.</li>
     *   <li>SMTPUTF8 when the message needs it and it is offered (RFC 6531 section 3.4).</li>
     *   <li>RET, ENVID, NOTIFY and ORCPT only when DSN is offered (RFC 3461 section 5.2.1), ENVID and ORCPT
     *       NOTIFY byte for byte (DSN-04).</li>
     *   <li>AUTH=&lt;&gt; when AUTH is offered: as a relay we cannot vouch for the submitter to the next
     *       hop (RFC 4954 section 5, AUTH-19). {@link MailParameters#auth()} is not passed on.</li>
     *   <li>REQUIRETLS when requested and offered (RFC 8689 section 4.2); whether to relay at all without
     *       it is the caller's decision.</li>
     * </ul>
     * If a parameter the message needs is missing (SMTPUTF8, 8BITMIME, BINARYMIME), the client omits it and
     * sends anyway: downgrading or bouncing is the caller's decision.
     *
     * <p>With PIPELINING (RFC 2920) MAIL, all RCPTs and DATA go out in one write and the replies are read in
     * order; without it, one command at a time, stopping early when MAIL fails or no RCPT is accepted.
     * Data is never sent without a 354 (RFC 5321 section 3.3, Q-12). If DATA got 354 although no recipient
     * was accepted (possible only when pipelined), the client sends the lone end-of-data dot, as RFC 2920
     * section 3.1 requires, and reports the reply to it as {@code dataReply}.
     */
    public TransactionResult send(Envelope envelope, MessageSource message) throws IOException, SmtpClientException {
        Capabilities caps = requireEhlo();
        if (envelope.recipients().isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        ensureOpen();
        long size = message.size();
        if (caps.has("SIZE") && caps.maxSize() > 0 && size > caps.maxSize()) {
            // RFC 1870 section 6.1: a client SHOULD NOT send a message the server said it will refuse.
            return TransactionResult.synthesized(SmtpReply.of(552, "5.3.4",
                    "message of " + size + " octets exceeds the fixed maximum of " + caps.maxSize()
                            + " octets advertised by " + remote.getHostString()));
        }
        // RFC 3030: BDAT whenever the server offers CHUNKING: no dot-stuffing, no scanning for the end of data,
        // and the only way a binary body can go at all.
        boolean bdat = caps.has("CHUNKING");
        String mail = mailCommand(envelope, size, caps);
        List<String> rcpts = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            rcpts.add(rcptCommand(r, caps));
        }
        boolean pipelining = caps.has("PIPELINING");

        SmtpReply mailReply;
        List<SmtpReply> rcptReplies = new ArrayList<>();
        SmtpReply dataCommandReply = null; // reply to DATA itself
        if (pipelining) {
            List<String> batch = new ArrayList<>();
            batch.add(mail);
            batch.addAll(rcpts);
            if (!bdat) {
                batch.add("DATA");
            }
            writeCommands(batch);
            mailReply = nextReply(settings.commandTimeout());
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(nextReply(settings.commandTimeout()));
            }
            if (!bdat) {
                dataCommandReply = nextReply(settings.commandTimeout());
            }
        } else {
            writeCommands(List.of(mail));
            mailReply = nextReply(settings.commandTimeout());
            if (mailReply.code() / 100 != 2) {
                return finish(new TransactionResult(mailReply, List.of(), null, false), false);
            }
            for (String rcpt : rcpts) {
                writeCommands(List.of(rcpt));
                rcptReplies.add(nextReply(settings.commandTimeout()));
            }
        }
        boolean mailOk = mailReply.code() / 100 == 2;
        boolean anyRcpt = mailOk && rcptReplies.stream().anyMatch(r -> r.code() / 100 == 2);

        if (bdat) {
            if (!anyRcpt) {
                return finish(new TransactionResult(mailReply, rcptReplies, null, false), mailOk);
            }
            return finish(sendChunks(message, mailReply, rcptReplies), false);
        }
        if (!pipelining) {
            if (!anyRcpt) {
                return finish(new TransactionResult(mailReply, rcptReplies, null, false), true);
            }
            writeCommands(List.of("DATA"));
            dataCommandReply = nextReply(settings.commandTimeout());
        }
        if (dataCommandReply.code() != 354) {
            // DATA refused (e.g. 554 no valid recipients): the MAIL may still be open on the server.
            return finish(new TransactionResult(mailReply, rcptReplies, dataCommandReply, false), mailOk);
        }
        if (!anyRcpt) {
            // RFC 2920 section 3.1: after a 354 we must end the data phase, and with no recipient there is
            // nothing worth sending, so the dot alone.
            writeRaw(".\r\n".getBytes(StandardCharsets.US_ASCII));
            SmtpReply dot = nextReply(settings.finalDotTimeout());
            return finish(new TransactionResult(mailReply, rcptReplies, dot, false), false);
        }
        DotStuffer.Stats stats;
        watched.timeout = settings.dataBlockTimeout();
        try (InputStream in = message.open()) {
            stats = stuffer.write(in, out);
            out.flush();
        } catch (IOException e) {
            // Half a message is on the wire and cannot be taken back (the server would take our next
            // command as content), so this connection is done.
            close();
            throw e;
        } finally {
            watched.timeout = settings.commandTimeout();
        }
        if (stats.strayLineBreaksFixed() > 0) {
            log.warn("{}: message had {} bare CR/LF, sent as CRLF (RFC 5321 2.3.8)", remote, stats.strayLineBreaksFixed());
        }
        log.debug("{} >> {} octets of data ({} on the wire)", remote, stats.bytesIn(), stats.bytesOut());
        SmtpReply end = nextReply(settings.finalDotTimeout());
        return finish(new TransactionResult(mailReply, rcptReplies, end, false), false);
    }

    /**
     * BDAT (RFC 3030): raw chunks, no stuffing, the last one marked LAST. Reads one chunk ahead so that the
     * last chunk is known when it is sent, and the message is never held in memory.
     */
    private TransactionResult sendChunks(MessageSource message, SmtpReply mailReply, List<SmtpReply> rcptReplies)
            throws IOException, SmtpClientException {
        try (InputStream in = message.open()) {
            return sendChunks(in, mailReply, rcptReplies);
        } catch (IOException e) {
            close(); // a chunk may be half sent: the connection cannot be resynchronised
            throw e;
        }
    }

    private TransactionResult sendChunks(InputStream in, SmtpReply mailReply, List<SmtpReply> rcptReplies)
            throws IOException, SmtpClientException {
        byte[] current = new byte[CHUNK];
        byte[] ahead = new byte[CHUNK];
        int n = in.readNBytes(current, 0, CHUNK);
        while (true) {
            int m = n < CHUNK ? 0 : in.readNBytes(ahead, 0, CHUNK);
            boolean last = m == 0;
            byte[] header = ("BDAT " + n + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
            log.debug("{} >> BDAT {}{}", remote, n, last ? " LAST" : "");
            watched.timeout = settings.dataBlockTimeout();
            try {
                out.write(header);
                out.write(current, 0, n);
                out.flush();
            } finally {
                watched.timeout = settings.commandTimeout();
            }
            SmtpReply reply = nextReply(last ? settings.finalDotTimeout() : settings.commandTimeout());
            if (last) {
                return new TransactionResult(mailReply, rcptReplies, reply, false);
            }
            if (reply.code() / 100 != 2) {
                // RFC 3030 section 2: after a failed chunk send no more chunks, and RSET.
                return finishRset(new TransactionResult(mailReply, rcptReplies, reply, false));
            }
            byte[] t = current;
            current = ahead;
            ahead = t;
            n = m;
        }
    }

    /** Sends RSET and checks for 250 (RFC 5321 section 4.1.1.5). */
    public void rset() throws IOException, SmtpClientException {
        ensureOpen();
        writeCommands(List.of("RSET"));
        SmtpReply reply = readReply(settings.commandTimeout());
        if (reply.code() / 100 != 2) {
            throw new SmtpClientException("RSET failed", reply);
        }
    }

    /** NOOP, for checking that a cached connection is still alive. */
    public SmtpReply noop() throws IOException, SmtpClientException {
        ensureOpen();
        writeCommands(List.of("NOOP"));
        return readReply(settings.commandTimeout());
    }

    /**
     * Ends the session politely: QUIT, a short wait for the 221 (RFC 5321 section 4.1.1.10 asks the client
     * not to close first), then close. Never throws; the transactions are already decided.
     */
    public void quit() {
        if (closed) {
            return;
        }
        try {
            if (closing == null) {
                writeCommands(List.of("QUIT"));
                Duration wait = settings.commandTimeout().compareTo(QUIT_WAIT) < 0 ? settings.commandTimeout() : QUIT_WAIT;
                readReply(wait);
            }
        } catch (IOException | SmtpClientException e) {
            log.debug("{}: QUIT: {}", remote, e.toString());
        } finally {
            close();
        }
    }

    /** Closes the connection at once, without QUIT. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
        closeQuietly(plainSocket);
    }

    // ---- transaction helpers

    private String mailCommand(Envelope envelope, long size, Capabilities caps) {
        MailParameters p = envelope.parameters();
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(envelope.reversePathText()).append('>');
        if (caps.has("SIZE") && size >= 0) {
            sb.append(" SIZE=").append(size);
        }
        BodyType body = p.body();
        if (body == BodyType.BINARY_MIME && caps.has("BINARYMIME") && caps.has("CHUNKING")) {
            sb.append(" BODY=BINARYMIME");
        } else if ((body == BodyType.EIGHT_BIT_MIME || body == BodyType.SEVEN_BIT) && caps.has("8BITMIME")) {
            sb.append(" BODY=").append(body.keyword());
        }
        if (p.smtputf8() && caps.has("SMTPUTF8")) {
            sb.append(" SMTPUTF8");
        }
        if (caps.has("DSN")) {
            if (p.ret() != null) {
                sb.append(" RET=").append(p.ret().name());
            }
            if (p.envid() != null) {
                sb.append(" ENVID=").append(p.envid());
            }
        }
        if (caps.has("AUTH")) {
            sb.append(" AUTH=<>");
        }
        if (p.requireTls() && caps.has("REQUIRETLS")) {
            sb.append(" REQUIRETLS");
        }
        return sb.toString();
    }

    private static String rcptCommand(Recipient r, Capabilities caps) {
        StringBuilder sb = new StringBuilder("RCPT TO:<").append(r.mailbox().address()).append('>');
        if (caps.has("DSN")) {
            if (r.notifyParam() != null) {
                sb.append(" NOTIFY=").append(r.notifyParam());
            }
            if (r.orcpt() != null) {
                sb.append(" ORCPT=").append(r.orcpt());
            }
        }
        return sb.toString();
    }

    /**
     * Ends a transaction. When the server may still hold an open transaction (MAIL accepted but no data
     * phase completed) we RSET, so the next MAIL on this connection is not refused with 503. A failing
     * RSET does not undo the result we already have: the connection is just closed.
     */
    private TransactionResult finish(TransactionResult result, boolean needsRset) {
        if (closing != null) {
            close();
            return result;
        }
        return needsRset ? finishRset(result) : result;
    }

    private TransactionResult finishRset(TransactionResult result) {
        try {
            rset();
        } catch (IOException | SmtpClientException e) {
            log.debug("{}: RSET after a failed transaction: {}", remote, e.toString());
            close();
        }
        return result;
    }

    /**
     * The next reply in a transaction. After a 421 the server is closing the channel (RFC 5321 section
     * 3.8), so the replies still owed to us will not come: every later command counts as answered by the
     * same 421, which makes the caller retry those recipients later.
     */
    private SmtpReply nextReply(Duration timeout) throws IOException, SmtpClientException {
        if (closing != null) {
            return closing;
        }
        SmtpReply reply = readReply(timeout);
        if (reply.code() == 421) {
            closing = reply;
        }
        return reply;
    }

    // ---- I/O

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.reader = new ReplyReader(s.getInputStream());
        this.watched = new WatchedOutputStream(s.getOutputStream(), s, settings.commandTimeout());
        this.out = new BufferedOutputStream(watched, DotStuffer.BUFFER);
    }

    private Capabilities requireEhlo() {
        if (capabilities == null) {
            throw new IllegalStateException(tls ? "EHLO is required again after STARTTLS" : "EHLO first");
        }
        return capabilities;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("connection to " + remote + " is closed");
        }
    }

    private SmtpReply readReply(Duration timeout) throws IOException, SmtpClientException {
        socket.setSoTimeout(millis(timeout));
        boolean enhanced = capabilities != null && capabilities.has("ENHANCEDSTATUSCODES");
        SmtpReply reply = reader.read(enhanced);
        log.debug("{} << {}", remote, reply);
        return reply;
    }

    /** Writes a batch of command lines with a single flush (one TCP write for a pipelined batch). */
    private void writeCommands(List<String> commands) throws IOException {
        ensureOpen();
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (String c : commands) {
            // An address or parameter carrying CR or LF would smuggle a command of its own.
            if (c.indexOf('\r') >= 0 || c.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("CR or LF inside an SMTP command");
            }
            log.debug("{} >> {}", remote, c);
            batch.writeBytes(c.getBytes(StandardCharsets.UTF_8));
            batch.writeBytes(new byte[] {'\r', '\n'});
        }
        writeRaw(batch.toByteArray());
    }

    private void writeRaw(byte[] bytes) throws IOException {
        ensureOpen();
        out.write(bytes);
        out.flush();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /**
     * Bounds each socket write by closing the socket when it blocks too long: a server that stops reading
     * would otherwise hang us forever, since SO_TIMEOUT applies to reads only (RFC 5321 section 4.5.3.2.5
     * still asks for a data block timeout).
     */
    private static final class WatchedOutputStream extends FilterOutputStream {
        private final Socket socket;
        volatile Duration timeout;
        private volatile boolean fired;

        WatchedOutputStream(OutputStream out, Socket socket, Duration timeout) {
            super(out);
            this.socket = socket;
            this.timeout = timeout;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> {
                fired = true;
                closeQuietly(socket);
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                if (fired) {
                    throw new SocketTimeoutException("write blocked longer than " + timeout);
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }
    }
}
