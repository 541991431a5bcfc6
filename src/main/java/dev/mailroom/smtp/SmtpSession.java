package dev.mailroom.smtp;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.log.EventLog;
import dev.mailroom.tls.ServerTls;
import dev.mailroom.tls.TlsInfo;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP server session (RFC 5321) on one connection, run on its own virtual thread.
 *
 * <p>The session owns the protocol: command syntax and order, framing, limits, TLS and the AUTH exchange.
 * Every decision about who may send what goes to the listener's {@link MailPolicy}; authentication to its
 * {@link AuthService}. Each command has a small handler method; the dispatch is one switch.
 */
public final class SmtpSession implements SessionInfo, Runnable {

    /** All sessions together log at most 200 rejections a second (bursts of 1000). */
    private static final dev.mailroom.log.LogBudget REJECT_LOG_BUDGET =
            new dev.mailroom.log.LogBudget(200, 1000, System::nanoTime);
    /** One full text line with its CRLF (RFC 5321 section 4.5.3.1.6): content progress that restarts the clock. */
    private static final long CONTENT_PROGRESS_OCTETS = 1000;
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");
    private static final java.util.regex.Pattern CHUNK_SIZE = java.util.regex.Pattern.compile("[0-9]{1,18}");

    private final String id;
    private final ListenerSettings settings;
    private final MailPolicy policy;
    private final AuthService auth;
    private final SessionObserver observer;
    private final ServerTls serverTls;
    private final SmtpReply refusal;
    /** Replies come from the session thread, and once, at shutdown, from another one. */
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile Socket socket;
    /** The accepted TCP connection, also under TLS: shutdown closes it without waiting for the TLS peer. */
    private final Socket tcp;
    private SmtpInput input;
    private volatile OutputStream output;
    private volatile boolean closing;

    /*
     * Idle timeouts (RFC 5321 section 4.5.3.2) without a timer per read: a blocking socket read with SO_TIMEOUT
     * on a virtual thread arms and cancels a scheduled task every time, about 5 % of the server's CPU in the
     * one-message-per-connection benchmark. Instead the session notes when it started waiting and when bytes
     * last arrived, and the listener's watchdog (SmtpListener.watchIdle) closes sessions that waited too long.
     */
    private volatile long idleSince = System.nanoTime();
    /** How long the client may stay silent now; 0 while the server itself is working. */
    private volatile long idleLimitNanos;
    private volatile boolean timedOut;
    /**
     * Octets that must arrive before the clock restarts: never within a command line (its whole line must come
     * within the command timeout), one full text line's worth within message content. So a client trickling a
     * byte a second (slowloris) is cut at the timeout, while a slow but steady sender of content is not.
     */
    private long restartAfterOctets;
    private long arrivedSinceStart;

    private String heloName;
    private boolean esmtp;
    private String tlsDescription;
    private String authUser;
    private String authMechanism;
    private int badCommands;
    private int authFailures;
    private Transaction transaction;

    /**
     * @param refusal when non-null the session sends this (421 4.7.0) instead of the greeting and closes:
     *                the listener's connection limits, reported inside TLS on an implicit-TLS port.
     */
    public SmtpSession(String id, Socket socket, ListenerSettings settings, MailPolicy policy, AuthService auth,
                       ServerTls serverTls, SmtpReply refusal) {
        this(id, socket, settings, policy, auth, serverTls, refusal, SessionObserver.NONE);
    }

    public SmtpSession(String id, Socket socket, ListenerSettings settings, MailPolicy policy, AuthService auth,
                       ServerTls serverTls, SmtpReply refusal, SessionObserver observer) {
        this.id = id;
        this.observer = observer;
        this.socket = socket;
        this.tcp = socket;
        this.settings = settings;
        this.policy = policy;
        this.auth = auth;
        this.serverTls = serverTls;
        this.refusal = refusal;
    }

    // ---- SessionInfo ----

    @Override
    public String sessionId() {
        return id;
    }

    @Override
    public String listenerName() {
        return settings.name();
    }

    @Override
    public InetSocketAddress client() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    @Override
    public String heloName() {
        return heloName;
    }

    @Override
    public boolean esmtp() {
        return esmtp;
    }

    @Override
    public String tlsDescription() {
        return tlsDescription;
    }

    @Override
    public String authenticatedUser() {
        return authUser;
    }

    @Override
    public String authMechanism() {
        return authMechanism;
    }

    // ---- the session loop ----

    @Override
    public void run() {
        InetSocketAddress client = client();
        EventLog.enterSession(id); // the thread is this session's alone: every line below carries its id
        EventLog.info("connect", "listener", settings.name(), "client", address(client));
        try {
            socket.setTcpNoDelay(true);
            if (settings.tlsMode() == TlsMode.IMPLICIT) {
                startTls();
            } else {
                attachStreams();
            }
            if (refusal != null) {
                reply(refusal);
                return;
            }
            reply(SmtpReply.plain(220, settings.hostname() + " ESMTP Mailroom"));
            while (!closing) {
                awaitCommand();
                SmtpInput.Line line = input.readLine(Math.max(settings.authLineLimit(), settings.commandLineLimit()));
                working();
                switch (line.framing()) {
                    case EOF -> closing = true;
                    case BARE_NEWLINE -> closeWith(SmtpReply.of(550, "5.5.2", "Bare CR or LF received; lines must end with CRLF"));
                    case TOO_LONG -> error(SmtpReply.of(500, "5.5.2", "Line too long"));
                    case OK -> handle(line.bytes());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            if (!timedOut) { // a timeout was answered by checkIdle, and is logged below
                EventLog.info("disconnect", "reason", e.getMessage());
            }
        } finally {
            if (timedOut) {
                EventLog.info("timeout"); // before the transaction ends: a message's queue id is still on it
            }
            abortTransaction();
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            EventLog.info("close", "user", authUser);
            EventLog.leaveSession();
        }
    }

    private void attachStreams() throws IOException {
        output = new BufferedOutputStream(socket.getOutputStream(), 4096);
        InputStream in = new ActivityInputStream(socket.getInputStream());
        if (input == null) {
            input = new SmtpInput(in, this::flushQuietly);
        } else {
            input.replaceStream(in);
        }
    }

    // ---- idle timeouts ----

    /**
     * RFC 5321 section 4.5.3.2.7: the server awaits the next command at most the command timeout; the time counts
     * from here to the line's CRLF, however the client spreads its bytes.
     */
    void awaitCommand() {
        awaitClient(settings.commandTimeout(), Long.MAX_VALUE);
    }

    /**
     * RFC 5321 sections 4.5.3.2.5 and 4.5.3.2.6: within message content the clock restarts each time another
     * {@link #CONTENT_PROGRESS_OCTETS} arrive, so the data timeout bounds the wait for each text line's worth.
     */
    private void awaitContent() {
        awaitClient(settings.dataTimeout(), CONTENT_PROGRESS_OCTETS);
    }

    private void awaitClient(Duration limit, long octetsToRestart) {
        restartAfterOctets = octetsToRestart;
        arrivedSinceStart = 0;
        idleSince = System.nanoTime();
        idleLimitNanos = Math.max(1, limit.toNanos());
    }

    /** Called by the session thread for every read: restarts the clock once enough octets have arrived. */
    private void arrived(int octets) {
        if (octets > 0) {
            arrivedSinceStart += octets;
            if (arrivedSinceStart >= restartAfterOctets) {
                arrivedSinceStart = 0;
                idleSince = System.nanoTime();
            }
        }
    }

    /** The session is busy on its own (policy, storage): that time is not the client's. */
    void working() {
        idleLimitNanos = 0;
    }

    /**
     * Called by the listener's watchdog thread: when the client has been silent longer than allowed, answer
     * 421 4.4.2 (RFC 5321 section 4.5.3.2) and close the connection, which ends the session thread's read.
     */
    void checkIdle(long now) {
        long limit = idleLimitNanos;
        if (limit == 0 || timedOut || now - idleSince <= limit) {
            return;
        }
        timedOut = true;
        closing = true;
        // Logged by the session's own thread when the close ends it (run's finally): with its session and queue ids.
        tryReply(SmtpReply.of(421, "4.4.2", settings.hostname() + " Idle timeout, closing connection"));
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Counts arriving octets, so that a slow but steady client is not cut off in the middle of DATA. */
    private final class ActivityInputStream extends FilterInputStream {
        ActivityInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            arrived(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            arrived(n);
            return n;
        }
    }

    private void handle(byte[] raw) throws IOException {
        String line;
        try {
            line = isAscii(raw) ? new String(raw, StandardCharsets.ISO_8859_1) : StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            error(SmtpReply.of(500, "5.5.2", "Invalid UTF-8 in command"));
            return;
        }
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String arg = space < 0 ? "" : line.substring(space);
        if (!verb.equals("AUTH") && raw.length > settings.commandLineLimit()) {
            error(SmtpReply.of(500, "5.5.2", "Line too long"));
            return;
        }
        if (settings.requireTls() && tlsDescription == null && !allowedBeforeTls(verb)) {
            // RFC 3207 section 4: only NOOP, EHLO, STARTTLS and QUIT before TLS; AUTH gets 538 (RFC 4954 6).
            error(verb.equals("AUTH")
                    ? SmtpReply.of(538, "5.7.11", "Encryption required for requested authentication mechanism")
                    : SmtpReply.of(530, "5.7.0", "Must issue a STARTTLS command first"));
            return;
        }
        try {
            switch (verb) {
                case "EHLO" -> ehlo(arg, true);
                case "HELO" -> ehlo(arg, false);
                case "MAIL" -> mail(arg);
                case "RCPT" -> rcpt(arg);
                case "DATA" -> data(arg);
                case "BDAT" -> bdat(arg);
                case "RSET" -> rset(arg);
                case "NOOP" -> reply(SmtpReply.of(250, "2.0.0", "OK"));
                case "QUIT" -> quit(arg);
                case "HELP" -> reply(SmtpReply.of(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY STARTTLS AUTH"));
                case "VRFY" -> vrfy(arg);
                case "STARTTLS" -> starttls(arg);
                case "AUTH" -> new AuthExchange(this, auth).run(arg);
                case "EXPN", "TURN", "ETRN", "ATRN" -> error(SmtpReply.of(502, "5.5.1", verb + " not implemented"));
                default -> error(SmtpReply.of(500, "5.5.2", "Command unrecognized"));
            }
        } catch (SmtpException e) {
            SmtpReply r = e.reply();
            long dropped = r.code() >= 400 ? REJECT_LOG_BUDGET.take() : -1;
            if (dropped >= 0) { // RFC 6409 section 5.2: log rejections; section 9: but rate-limited
                EventLog.info("reject", "client", address(client()), "user", authUser,
                        "command", verb, "code", r.code(), "status", r.enhanced(), "reason", r.lines().getFirst(),
                        "suppressed", dropped > 0 ? dropped : null);
            }
            if (r.code() >= 400 && isTransactionCommand(verb)) {
                observer.rejected(settings.name(), verb, r.code());
            }
            error(r);
        }
    }

    private static boolean isAscii(byte[] raw) {
        for (byte b : raw) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** The commands whose refusals the metrics count by reply code. */
    private static boolean isTransactionCommand(String verb) {
        return switch (verb) {
            case "MAIL", "RCPT", "DATA", "BDAT" -> true;
            default -> false;
        };
    }

    private static boolean allowedBeforeTls(String verb) {
        return switch (verb) {
            case "NOOP", "EHLO", "STARTTLS", "QUIT" -> true;
            default -> false;
        };
    }

    // ---- command handlers ----

    private void ehlo(String arg, boolean extended) throws IOException, SmtpException {
        String name = arg.strip();
        if (name.isEmpty() || name.contains(" ") || !validHeloName(name)) {
            // RFC 5321 section 4.1.4: bad argument, state unchanged.
            throw new SmtpException(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
        }
        abortTransaction();
        heloName = name;
        esmtp = extended;
        if (!extended) {
            reply(SmtpReply.plain(250, settings.hostname()));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostname() + " greets " + name);
        boolean beforeTls = settings.requireTls() && tlsDescription == null;
        lines.add("PIPELINING");
        if (!beforeTls) {
            lines.add("SIZE " + settings.maxMessageSize());
            lines.add("8BITMIME");
        }
        lines.add("ENHANCEDSTATUSCODES");
        if (!beforeTls) {
            if (settings.dsn()) {
                lines.add("DSN");
            }
            if (settings.smtputf8()) {
                lines.add("SMTPUTF8");
            }
            if (settings.chunking()) {
                lines.add("CHUNKING");
                lines.add("BINARYMIME");
            }
            if (tlsDescription != null) {
                lines.add("REQUIRETLS"); // RFC 8689 section 4: only inside TLS (RTLS-01)
            }
            List<String> mechanisms = auth == null ? List.of() : auth.mechanisms(this);
            if (!mechanisms.isEmpty() && authUser == null) {
                lines.add("AUTH " + String.join(" ", mechanisms));
            }
        }
        if (settings.tlsMode() == TlsMode.STARTTLS && tlsDescription == null && serverTls != null) {
            lines.add("STARTTLS");
        }
        lines.add("HELP");
        reply(new SmtpReply(250, null, lines));
    }

    /** A domain or an address literal (RFC 5321 section 4.1.1.1); lenient about case, strict about characters. */
    private static boolean validHeloName(String name) {
        if (name.startsWith("[") && name.endsWith("]")) {
            return name.length() > 2;
        }
        return dev.mailroom.address.PathParser.isValidDomain(name);
    }

    private void mail(String arg) throws IOException, SmtpException {
        EventLog.endQueue(); // the previous message's lines end with the next MAIL
        if (heloName == null) {
            throw new SmtpException(503, "5.5.1", "Send EHLO first");
        }
        policy.gate(this, MailPolicy.Command.MAIL);
        if (transaction != null) {
            throw new SmtpException(503, "5.5.1", "Nested MAIL command");
        }
        PathArguments.Mail mail = PathArguments.parseMail(arg, offered());
        var from = policy.mail(this, mail.reversePath(), mail.parameters());
        transaction = new Transaction(from, mail.parameters());
        reply(SmtpReply.of(250, "2.1.0", "Sender <" + (from == null ? "" : from.address()) + "> OK"));
    }

    private PathArguments.Offered offered() {
        return new PathArguments.Offered(settings.dsn() && esmtp, settings.smtputf8() && esmtp,
                settings.chunking() && esmtp, esmtp && tlsDescription != null, settings.maxMessageSize());
    }

    private void rcpt(String arg) throws IOException, SmtpException {
        policy.gate(this, MailPolicy.Command.RCPT);
        if (transaction == null) {
            throw new SmtpException(503, "5.5.1", "Need MAIL before RCPT");
        }
        if (transaction.recipients.size() >= settings.maxRecipients()) {
            // RFC 5321 section 4.5.3.1.10: 452, not 552.
            throw new SmtpException(452, "4.5.3", "Too many recipients");
        }
        Recipient given = PathArguments.parseRcpt(arg, offered(), transaction.parameters.smtputf8());
        List<Recipient> accepted = policy.rcpt(this, transaction.reversePath, given);
        transaction.recipients.addAll(accepted);
        reply(SmtpReply.of(250, "2.1.5", "Recipient <" + given.mailbox().address() + "> OK"));
    }

    private void data(String arg) throws IOException, SmtpException {
        if (!arg.isBlank()) {
            throw new SmtpException(501, "5.5.4", "DATA takes no arguments");
        }
        policy.gate(this, MailPolicy.Command.DATA);
        if (transaction == null) {
            throw new SmtpException(503, "5.5.1", "Need MAIL before DATA");
        }
        if (transaction.bdatStarted) {
            throw new SmtpException(503, "5.5.1", "DATA not allowed after BDAT");
        }
        if (transaction.parameters.body() == BodyType.BINARY_MIME) {
            throw new SmtpException(503, "5.5.1", "BODY=BINARYMIME requires BDAT"); // RFC 3030 section 3
        }
        if (transaction.recipients.isEmpty()) {
            throw new SmtpException(554, "5.5.1", "No valid recipients");
        }
        MessageReceiver receiver = policy.receive(this, transaction.envelope());
        reply(SmtpReply.plain(354, "End data with <CR><LF>.<CR><LF>"));
        flush();
        ContentSink sink = new ContentSink(receiver.content(), Long.MAX_VALUE, false);
        awaitContent();
        SmtpInput.DataResult result;
        try {
            result = input.readData(sink, settings.maxMessageSize());
        } catch (IOException e) {
            receiver.abort();
            endTransaction(false);
            throw e;
        }
        working();
        Transaction done = transaction;
        switch (result.framing()) {
            case EOF -> {
                receiver.abort(); // RFC 5321 section 3.8: a lost connection cancels the transaction
                endTransaction(false);
                closing = true;
            }
            case BARE_NEWLINE -> {
                receiver.abort();
                endTransaction(false);
                closeWith(SmtpReply.of(550, "5.5.2", "Bare CR or LF received in message data; rejected"));
            }
            default -> {
                sink.finishWriting();
                completeMessage(done, receiver, sink, result.tooBig(), result.size(), result.longestLine());
            }
        }
    }

    /**
     * The end of the content: report storage errors and size first, then let the policy decide. The transaction
     * ends here, accepted or not, before the client hears of it.
     */
    private void completeMessage(Transaction tx, MessageReceiver receiver, ContentSink sink, boolean tooBig,
                                 long size, int longestLine) throws IOException, SmtpException {
        SmtpReply r;
        boolean accepted = false;
        try {
            if (tooBig || sink.tooBig()) {
                receiver.abort();
                throw new SmtpException(552, "5.3.4", "Message size exceeds fixed maximum of " + settings.maxMessageSize() + " octets");
            }
            if (sink.error() != null) {
                receiver.abort();
                EventLog.warn("storage-error", "error", sink.error().toString());
                throw StorageFailure.of(sink.error());
            }
            r = receiver.finish(size, longestLine);
            accepted = true;
        } finally {
            endTransaction(accepted);
        }
        EventLog.info("accepted", "user", authUser, "from", tx.envelope().reversePathText(),
                "rcpts", tx.recipients.size(), "size", size, "reply", r);
        observer.messageAccepted(settings.name(), size);
        reply(r);
    }

    private void bdat(String arg) throws IOException, SmtpException {
        String[] parts = SPACES.split(arg.strip());
        boolean last = parts.length == 2 && parts[1].equalsIgnoreCase("LAST");
        if (parts.length < 1 || parts.length > 2 || (parts.length == 2 && !last) || !CHUNK_SIZE.matcher(parts[0]).matches()) {
            // RFC 3030 section 2: without a valid size the stream cannot be resynchronised; close.
            closeWith(SmtpReply.of(501, "5.5.4", "Syntax: BDAT size [LAST]"));
            return;
        }
        long size = Long.parseLong(parts[0]);
        awaitContent();
        SmtpReply refusal = bdatRefusal();
        if (refusal != null) {
            // CHUNK-03: consume exactly the announced octets before answering.
            if (!input.readExactly(size, OutputStream.nullOutputStream())) {
                closing = true;
                return;
            }
            if (transaction != null && transaction.bdatStarted) {
                transaction.bdatFailed = true;
                transaction.abort();
            }
            error(refusal);
            return;
        }
        Transaction tx = transaction;
        if (!tx.bdatStarted) {
            tx.bdatStarted = true;
            try {
                tx.bdatReceiver = policy.receive(this, tx.envelope());
            } catch (SmtpException e) {
                input.readExactly(size, OutputStream.nullOutputStream());
                tx.bdatFailed = true;
                throw e;
            }
            boolean binary = tx.parameters.body() == BodyType.BINARY_MIME;
            tx.bdatSink = new ContentSink(tx.bdatReceiver.content(), settings.maxMessageSize(), !binary);
        }
        if (!input.readExactly(size, tx.bdatSink)) {
            closing = true;
            return;
        }
        working();
        // A chunk may end between CR and LF; a CR is only bare if the next octet is not LF, or none comes.
        if (tx.bdatSink.bareNewline() || (last && tx.bdatSink.endsWithCr())) {
            tx.abort();
            endTransaction(false);
            closeWith(SmtpReply.of(550, "5.5.2", "Bare CR or LF received in message data; rejected"));
            return;
        }
        if (tx.bdatSink.tooBig()) {
            tx.abort();
            tx.bdatFailed = true;
            throw new SmtpException(552, "5.3.4", "Message size exceeds fixed maximum of " + settings.maxMessageSize() + " octets");
        }
        if (!last) {
            reply(SmtpReply.of(250, "2.0.0", size + " octets received"));
            return;
        }
        MessageReceiver receiver = tx.bdatReceiver;
        ContentSink sink = tx.bdatSink;
        sink.finishWriting();
        completeMessage(tx, receiver, sink, false, sink.size(), sink.longestLine());
    }

    private SmtpReply bdatRefusal() {
        try {
            policy.gate(this, MailPolicy.Command.BDAT);
        } catch (SmtpException e) {
            return e.reply();
        }
        if (transaction == null) {
            return SmtpReply.of(503, "5.5.1", "Need MAIL before BDAT");
        }
        if (transaction.bdatFailed) {
            return SmtpReply.of(503, "5.5.1", "Transaction failed; send RSET");
        }
        if (transaction.recipients.isEmpty()) {
            return SmtpReply.of(554, "5.5.1", "No valid recipients");
        }
        return null;
    }

    private void rset(String arg) throws IOException, SmtpException {
        if (!arg.isBlank()) {
            throw new SmtpException(501, "5.5.4", "RSET takes no arguments");
        }
        abortTransaction();
        reply(SmtpReply.of(250, "2.0.0", "OK"));
    }

    private void quit(String arg) throws IOException, SmtpException {
        if (!arg.isBlank()) {
            throw new SmtpException(501, "5.5.4", "QUIT takes no arguments");
        }
        EventLog.endQueue();
        reply(SmtpReply.of(221, "2.0.0", settings.hostname() + " closing connection"));
        flush();
        closing = true;
    }

    private void vrfy(String arg) throws IOException, SmtpException {
        policy.gate(this, MailPolicy.Command.VRFY);
        if (arg.isBlank()) {
            throw new SmtpException(501, "5.5.4", "Syntax: VRFY address");
        }
        // RFC 5321 section 3.5.3 / 7.3: never reveal whether a user exists.
        reply(SmtpReply.of(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
    }

    private void starttls(String arg) throws IOException, SmtpException {
        if (tlsDescription != null) {
            throw new SmtpException(503, "5.5.1", "TLS already active"); // RFC 3207 section 4.2
        }
        if (settings.tlsMode() != TlsMode.STARTTLS || serverTls == null) {
            throw new SmtpException(502, "5.5.1", "STARTTLS not offered");
        }
        if (!arg.isBlank()) {
            throw new SmtpException(501, "5.5.4", "STARTTLS takes no arguments"); // RFC 3207 section 4
        }
        reply(SmtpReply.of(220, "2.0.0", "Ready to start TLS"));
        flush();
        // CVE-2011-0411: whatever the client pipelined after STARTTLS was sent in the clear; drop it.
        int dropped = input.discardBuffered();
        if (dropped > 0) {
            EventLog.warn("starttls-injection", "client", address(client()), "discarded", dropped);
        }
        startTls();
        // RFC 3207 section 4.2: the session starts anew.
        heloName = null;
        esmtp = false;
        authUser = null;
        authMechanism = null;
        abortTransaction();
    }

    private void startTls() throws IOException {
        if (serverTls == null) {
            throw new IOException("TLS is not configured for listener " + settings.name());
        }
        SSLSocket ssl = serverTls.wrapAccepted(socket);
        awaitCommand();
        ssl.startHandshake();
        working();
        socket = ssl;
        tlsDescription = TlsInfo.describe(ssl.getSession());
        observer.tlsEstablished(settings.name(), ssl.getSession().getProtocol());
        EventLog.info("tls", "tls", tlsDescription);
        attachStreams();
    }

    // ---- used by AuthExchange ----

    SmtpInput input() {
        return input;
    }

    ListenerSettings settings() {
        return settings;
    }

    boolean inTransaction() {
        return transaction != null;
    }

    void authenticated(String user, String mechanism) {
        this.authUser = user;
        this.authMechanism = mechanism;
        EventLog.info("auth", "client", address(client()), "user", user, "mechanism", mechanism,
                "result", "ok");
    }

    SessionObserver observer() {
        return observer;
    }

    /** Counts a failed AUTH; true when the session must end (RFC 4954 section 9, after at least 3). */
    boolean authFailed() {
        return ++authFailures >= settings.maxAuthFailures();
    }

    // ---- replies ----

    void reply(SmtpReply r) throws IOException {
        writeLock.lock();
        try {
            output.write(r.wireBytes());
            if (!input.hasBuffered()) {
                output.flush();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** A 4xx/5xx reply that counts toward the bad-command limit. */
    void error(SmtpReply r) throws IOException {
        if (r.code() >= 500 && ++badCommands > settings.maxBadCommands()) {
            reply(r);
            closeWith(SmtpReply.of(421, "4.7.0", settings.hostname() + " Too many errors, closing connection"));
            return;
        }
        reply(r);
    }

    void closeWith(SmtpReply r) throws IOException {
        reply(r);
        flush();
        closing = true;
    }

    private void tryReply(SmtpReply r) {
        writeLock.lock();
        try {
            if (output != null) {
                output.write(r.wireBytes());
                output.flush();
            }
        } catch (IOException ignored) {
            // the peer is gone
        } finally {
            writeLock.unlock();
        }
    }

    void flush() throws IOException {
        writeLock.lock();
        try {
            output.flush();
        } finally {
            writeLock.unlock();
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The server is stopping (RFC 5321 section 3.8): tell the client with 421 and close. Called from another
     * thread; the write lock keeps the 421 from landing inside another reply. An unfinished transaction is then
     * dropped by the session thread, so nothing half-received is ever accepted.
     */
    public void shutdown() {
        closing = true;
        tryReply(SmtpReply.of(421, "4.3.2", settings.hostname() + " Service shutting down"));
        try {
            // Not the SSLSocket: its close() waits for the client's close_notify, for up to the idle timeout.
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * RSET, EHLO, STARTTLS or the end of the session: drop an unfinished transaction, and stop tagging lines
     * with the queue id of the last message (set by the receiver when it opened the spool file, and kept after
     * its 250 so the lines of that transaction's end carry it too).
     */
    private void abortTransaction() {
        if (transaction != null) {
            transaction.abort();
            endTransaction(false);
        }
        EventLog.endQueue();
    }

    /** The transaction is over (its receiver finished or aborted): forget it and tell the policy, once. */
    private void endTransaction(boolean accepted) {
        transaction = null;
        policy.transactionEnded(this, accepted);
    }

    static String address(InetSocketAddress a) {
        return a == null ? "?" : a.getAddress().getHostAddress();
    }
}
