package dev.mailroom.sink;

import dev.mailroom.smtp.SmtpReply;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One sink connection: a plain command loop, strict about syntax, lenient about content. */
final class SinkSession implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SinkSession.class);

    /** RFC 4954 section 4 allows AUTH lines up to 12288 octets; every other command is far shorter. */
    private static final int MAX_LINE = 12288;
    private static final Pattern MAIL = Pattern.compile("MAIL FROM:<([^<>]*)>((?: [^ ]+)*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern RCPT = Pattern.compile("RCPT TO:<([^<>]+)>((?: [^ ]+)*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern BDAT = Pattern.compile("BDAT (\\d{1,18})( LAST)?", Pattern.CASE_INSENSITIVE);

    private final SinkServer server;
    private final SinkServer.SinkSettings settings;
    private final Socket plain;
    private Socket socket;
    private SinkInput in;
    private OutputStream out;

    private String helo;
    private boolean tls;
    private String authUser;

    // the current transaction
    private String mailFrom;
    private List<String> mailParams;
    private final List<String> rcpts = new ArrayList<>();
    private final List<List<String>> rcptParams = new ArrayList<>();
    private boolean pipelined;
    private ByteArrayOutputStream chunks; // non-null once BDAT has started
    private boolean chunksTooBig;

    SinkSession(SinkServer server, SinkServer.SinkSettings settings, Socket socket) {
        this.server = server;
        this.settings = settings;
        this.plain = socket;
    }

    @Override
    public void run() {
        try {
            attach(plain);
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.idleTimeout().toMillis()));
            SmtpReply greeting = settings.behaviour().onConnect(settings.hostname());
            send(greeting, true);
            if (greeting.code() != 220) {
                return;
            }
            loop();
        } catch (SocketTimeoutException e) {
            try {
                send(SmtpReply.of(421, "4.4.2", settings.hostname() + " idle too long, closing"), true);
            } catch (IOException ignored) {
                // gone anyway
            }
        } catch (EOFException | SocketException | javax.net.ssl.SSLException e) {
            // Clients hanging up or failing the TLS handshake are routine for a test peer.
            log.debug("sink connection ended: {}", e.toString());
        } catch (IOException | RuntimeException e) {
            log.warn("sink connection failed", e);
        } finally {
            server.forget(plain);
            try {
                socket.close();
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
            try {
                plain.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        in = new SinkInput(s.getInputStream());
        out = new BufferedOutputStream(s.getOutputStream(), 8192);
    }

    private void loop() throws IOException {
        while (true) {
            String line;
            try {
                line = in.readLine(MAX_LINE);
            } catch (SinkInput.BadLine bad) {
                send(bad.tooLong ? SmtpReply.of(500, "5.5.6", "line too long")
                        : SmtpReply.of(500, "5.5.2", "command lines end with CRLF, not a bare LF"), true);
                continue;
            }
            if (line == null) {
                return;
            }
            int sp = line.indexOf(' ');
            String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            String arg = sp < 0 ? "" : line.substring(sp + 1);
            switch (verb) {
                case "EHLO", "HELO" -> hello(verb, arg);
                case "MAIL" -> mail(line);
                case "RCPT" -> rcpt(line);
                case "DATA" -> data(arg);
                case "BDAT" -> bdat(line);
                case "RSET" -> {
                    resetTransaction();
                    send(SmtpReply.of(250, "2.0.0", "reset"), !(in.buffered() > 0));
                }
                case "NOOP" -> send(SmtpReply.of(250, "2.0.0", "ok"), true);
                case "QUIT" -> {
                    send(SmtpReply.of(221, "2.0.0", settings.hostname() + " closing"), true);
                    return;
                }
                case "STARTTLS" -> startTls(arg);
                case "AUTH" -> auth(arg);
                default -> send(SmtpReply.of(500, "5.5.2", "command not recognized"), true);
            }
        }
    }

    private void hello(String verb, String arg) throws IOException {
        if (arg.isBlank() || arg.contains(" ")) {
            send(SmtpReply.of(501, "5.5.4", verb + " needs exactly one domain"), true);
            return;
        }
        resetTransaction();
        helo = arg;
        if (verb.equals("HELO")) {
            send(SmtpReply.plain(250, settings.hostname()), true);
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostname() + " greets " + arg);
        if (settings.offerPipelining()) {
            lines.add("PIPELINING");
        }
        if (settings.maxSize() == 0) {
            lines.add("SIZE");
        } else if (settings.maxSize() > 0) {
            lines.add("SIZE " + settings.maxSize());
        }
        if (settings.offer8bitmime()) {
            lines.add("8BITMIME");
        }
        if (settings.offerSmtputf8()) {
            lines.add("SMTPUTF8");
        }
        if (settings.offerDsn()) {
            lines.add("DSN");
        }
        if (settings.offerEnhancedStatusCodes()) {
            lines.add("ENHANCEDSTATUSCODES");
        }
        if (settings.offerChunking()) {
            lines.add("CHUNKING");
            lines.add("BINARYMIME");
        }
        if (settings.startTls() != null && !tls) {
            lines.add("STARTTLS");
        }
        if (authOffered() && authUser == null) {
            lines.add("AUTH PLAIN");
        }
        if (settings.offerRequireTls() && tls) {
            lines.add("REQUIRETLS");
        }
        send(new SmtpReply(250, null, lines), true);
    }

    private boolean authOffered() {
        return tls || settings.authWithoutTls();
    }

    private void mail(String line) throws IOException {
        if (helo == null) {
            send(SmtpReply.of(503, "5.5.1", "EHLO or HELO first"), true);
            return;
        }
        if (mailFrom != null) {
            send(SmtpReply.of(503, "5.5.1", "nested MAIL command"), true);
            return;
        }
        Matcher m = MAIL.matcher(line);
        if (!m.matches()) {
            send(SmtpReply.of(501, "5.5.4", "syntax: MAIL FROM:<address> [parameters]"), true);
            return;
        }
        List<String> params = params(m.group(2));
        boolean early = in.buffered() > 0;
        if (settings.maxSize() > 0) {
            for (String p : params) {
                if (p.regionMatches(true, 0, "SIZE=", 0, 5) && p.length() > 5
                        && p.substring(5).chars().allMatch(Character::isDigit)
                        && (p.length() > 24 || Long.parseLong(p.substring(5)) > settings.maxSize())) {
                    send(SmtpReply.of(552, "5.3.4", "message size exceeds fixed maximum message size"), !early);
                    return;
                }
            }
        }
        SmtpReply reply = settings.behaviour().onMail(m.group(1), params);
        if (reply.code() / 100 == 2) {
            mailFrom = m.group(1);
            mailParams = params;
            pipelined = early;
        }
        send(reply, !early);
    }

    private void rcpt(String line) throws IOException {
        boolean early = in.buffered() > 0;
        if (mailFrom == null) {
            send(SmtpReply.of(503, "5.5.1", "MAIL first"), !early);
            return;
        }
        Matcher m = RCPT.matcher(line);
        if (!m.matches()) {
            send(SmtpReply.of(501, "5.5.4", "syntax: RCPT TO:<address> [parameters]"), !early);
            return;
        }
        pipelined |= early;
        List<String> params = params(m.group(2));
        SmtpReply reply = settings.behaviour().onRcpt(m.group(1), params);
        if (reply.code() / 100 == 2) {
            rcpts.add(m.group(1));
            rcptParams.add(params);
        }
        send(reply, !early);
    }

    private void data(String arg) throws IOException {
        if (!arg.isEmpty()) {
            send(SmtpReply.of(501, "5.5.4", "DATA takes no argument"), true);
            return;
        }
        if (mailFrom == null || chunks != null) {
            send(SmtpReply.of(503, "5.5.1", mailFrom == null ? "MAIL first" : "DATA after BDAT"), true);
            return;
        }
        if (rcpts.isEmpty()) {
            // RFC 2920 section 3.1: no 354 without a valid recipient.
            send(SmtpReply.of(554, "5.5.1", "no valid recipients"), true);
            return;
        }
        send(SmtpReply.plain(354, "end data with <CR><LF>.<CR><LF>"), true);
        Limited content = new Limited(settings.maxSize());
        readDotStuffed(content);
        complete(content, false);
    }

    /**
     * Reads DATA content up to the end-of-data line. Only CRLF "." CRLF ends it (RFC 5321 section 4.1.1.4):
     * a "." after a bare LF is content, so smuggling attempts are recorded rather than obeyed. A leading
     * "." is removed from every line (RFC 5321 section 4.5.2); everything else is kept byte for byte.
     */
    private void readDotStuffed(OutputStream content) throws IOException {
        boolean lineStart = true;
        boolean prevCr = false;
        while (true) {
            int b = in.readOrEof();
            if (lineStart && b == '.') {
                int c = in.readOrEof();
                if (c == '\r') {
                    int d = in.readOrEof();
                    if (d == '\n') {
                        return;
                    }
                    content.write('\r');
                    prevCr = true;
                    lineStart = false;
                    b = d;
                } else {
                    prevCr = false;
                    lineStart = false;
                    b = c;
                }
                if (b == '\n' && prevCr) {
                    content.write(b);
                    lineStart = true;
                    prevCr = false;
                    continue;
                }
            }
            content.write(b);
            lineStart = b == '\n' && prevCr;
            prevCr = b == '\r';
        }
    }

    private void bdat(String line) throws IOException {
        Matcher m = BDAT.matcher(line);
        if (!m.matches()) {
            // We cannot know how many octets follow, so there is no way to resynchronise.
            send(SmtpReply.of(501, "5.5.4", "syntax: BDAT <size> [LAST]; closing"), true);
            throw new EOFException("BDAT syntax error");
        }
        long n = Long.parseLong(m.group(1));
        boolean last = m.group(2) != null;
        boolean ok = settings.offerChunking() && mailFrom != null && !rcpts.isEmpty();
        if (ok && chunks == null) {
            chunks = new ByteArrayOutputStream();
        }
        if (ok && settings.maxSize() > 0 && chunks.size() + n > settings.maxSize()) {
            chunksTooBig = true;
        }
        in.copy(n, ok && !chunksTooBig ? chunks : null);
        if (!settings.offerChunking()) {
            send(SmtpReply.of(502, "5.5.1", "BDAT not offered"), true);
        } else if (mailFrom == null) {
            send(SmtpReply.of(503, "5.5.1", "MAIL first"), true);
        } else if (rcpts.isEmpty()) {
            send(SmtpReply.of(554, "5.5.1", "no valid recipients"), true);
        } else if (!last) {
            send(SmtpReply.of(250, "2.0.0", n + " octets received"), true);
        } else {
            Limited content = new Limited(settings.maxSize());
            if (chunksTooBig) {
                content.over = true;
            } else {
                chunks.writeTo(content);
            }
            complete(content, true);
        }
    }

    private void complete(Limited content, boolean chunked) throws IOException {
        SmtpReply reply;
        if (content.over) {
            reply = SmtpReply.of(552, "5.3.4", "message exceeds fixed maximum message size");
        } else {
            ReceivedMessage msg = new ReceivedMessage(helo, tls, authUser, mailFrom, mailParams, rcpts, rcptParams,
                    content.toByteArray(), pipelined, chunked, Instant.now());
            reply = settings.behaviour().onData(msg);
            if (reply.code() / 100 == 2) {
                server.record(msg);
            }
        }
        resetTransaction();
        send(reply, true);
    }

    private void startTls(String arg) throws IOException {
        if (settings.startTls() == null) {
            send(SmtpReply.of(502, "5.5.1", "STARTTLS not offered"), true);
            return;
        }
        if (tls) {
            send(SmtpReply.of(503, "5.5.1", "TLS already active"), true);
            return;
        }
        if (!arg.isEmpty()) {
            send(SmtpReply.of(501, "5.5.4", "STARTTLS takes no argument"), true);
            return;
        }
        send(SmtpReply.of(220, "2.0.0", "ready to start TLS"), true);
        // RFC 3207 section 4.2: whatever the client sent after STARTTLS was not protected; drop it.
        in.discard();
        SSLSocket ssl = (SSLSocket) settings.startTls().getSocketFactory().createSocket(plain, null, true);
        ssl.setEnabledProtocols(Arrays.stream(ssl.getSupportedProtocols())
                .filter(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2")).toArray(String[]::new));
        ssl.startHandshake();
        attach(ssl);
        tls = true;
        // RFC 3207 section 4.2: forget everything learnt before TLS; the client must EHLO again.
        helo = null;
        authUser = null;
        resetTransaction();
    }

    private void auth(String arg) throws IOException {
        if (!authOffered()) {
            send(SmtpReply.of(503, "5.5.1", "AUTH not available (STARTTLS first)"), true);
            return;
        }
        if (helo == null || authUser != null || mailFrom != null) {
            send(SmtpReply.of(503, "5.5.1", authUser != null ? "already authenticated" : "AUTH not allowed now"), true);
            return;
        }
        String[] words = arg.split(" ", -1);
        if (!words[0].equalsIgnoreCase("PLAIN") || words.length > 2) {
            send(SmtpReply.of(504, "5.5.4", "only AUTH PLAIN is supported"), true);
            return;
        }
        String response;
        if (words.length == 2) {
            response = words[1];
        } else {
            send(SmtpReply.plain(334, ""), true);
            try {
                response = in.readLine(MAX_LINE);
            } catch (SinkInput.BadLine bad) {
                send(SmtpReply.of(501, "5.5.2", "bad line"), true);
                return;
            }
            if (response == null) {
                throw new EOFException("client left during AUTH");
            }
        }
        if (response.equals("*")) {
            send(SmtpReply.of(501, "5.0.0", "authentication cancelled"), true);
            return;
        }
        String[] parts;
        try {
            byte[] decoded = response.equals("=") ? new byte[0] : Base64.getDecoder().decode(response);
            parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
        } catch (IllegalArgumentException e) {
            send(SmtpReply.of(501, "5.5.2", "invalid base64"), true);
            return;
        }
        if (parts.length != 3 || parts[1].isEmpty()) {
            send(SmtpReply.of(501, "5.5.2", "malformed PLAIN response"), true);
            return;
        }
        authUser = parts[1];
        send(SmtpReply.of(235, "2.7.0", "authenticated (the sink accepts anyone)"), true);
    }

    private void resetTransaction() {
        mailFrom = null;
        mailParams = null;
        rcpts.clear();
        rcptParams.clear();
        pipelined = false;
        chunks = null;
        chunksTooBig = false;
    }

    private static List<String> params(String group) {
        if (group == null || group.isEmpty()) {
            return List.of();
        }
        return List.of(group.substring(1).split(" "));
    }

    /**
     * Writes a reply; flushes unless the client has already sent more (RFC 2920 section 3.2: replies to
     * pipelined MAIL/RCPT/RSET may be held until the input buffer runs dry).
     */
    private void send(SmtpReply reply, boolean flush) throws IOException {
        SmtpReply wire = settings.offerEnhancedStatusCodes() || reply.enhanced() == null
                ? reply : new SmtpReply(reply.code(), null, reply.lines());
        out.write(wire.wireBytes());
        if (flush) {
            out.flush();
        }
    }

    /** Collects content but stops storing past the size limit, still reading to the end of data. */
    private static final class Limited extends ByteArrayOutputStream {
        private final long max;
        boolean over;

        Limited(long max) {
            this.max = max;
        }

        @Override
        public synchronized void write(int b) {
            if (max > 0 && count >= max) {
                over = true;
                return;
            }
            super.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (max > 0 && count + (long) len > max) {
                over = true;
                return;
            }
            super.write(b, off, len);
        }
    }
}
