package dev.mailroom.local;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.Capabilities;
import dev.mailroom.smtp.client.DotStuffer;
import dev.mailroom.smtp.client.MessageSource;
import dev.mailroom.smtp.client.ReplyReader;
import dev.mailroom.smtp.client.SmtpClientException;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LMTP session (RFC 2033) with a local delivery server such as Dovecot: LHLO, then transactions of
 * MAIL, RCPT for each recipient, DATA and <em>one reply per accepted recipient</em> after the final dot,
 * which is what LMTP adds to SMTP (section 4.2): each mailbox succeeds or fails on its own, and a message
 * is never accepted for all recipients when one of them could not take it.
 *
 * <p>Not thread-safe. Every read and write is bounded by a timeout.
 */
public final class LmtpClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LmtpClient.class);
    private static final Duration QUIT_WAIT = Duration.ofSeconds(5);

    /**
     * @param lhloName       the name sent with LHLO
     * @param connectTimeout TCP or Unix socket connect
     * @param commandTimeout each command reply (RFC 5321 section 4.5.3.2 suggests 5 minutes)
     * @param dataTimeout    each write of message data (RFC 5321 section 4.5.3.2.5: 3 minutes)
     * @param finalTimeout   each per-recipient reply after the final dot (4.5.3.2.6: 10 minutes), since the
     *                       server delivers before it answers
     */
    public record Settings(String lhloName, Duration connectTimeout, Duration commandTimeout, Duration dataTimeout,
                           Duration finalTimeout) {
        public static Settings defaults(String lhloName) {
            return new Settings(lhloName, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(3),
                    Duration.ofMinutes(10));
        }
    }

    private final LmtpTarget target;
    private final Settings settings;
    private final TimedChannel channel;
    private final ReplyReader reader;
    private final OutputStream out;
    private final DotStuffer stuffer = new DotStuffer(); // its buffers serve every message of this connection
    private Capabilities capabilities;
    private boolean closed;

    private LmtpClient(LmtpTarget target, Settings settings, TimedChannel channel) {
        this.target = target;
        this.settings = settings;
        this.channel = channel;
        this.reader = new ReplyReader(channel.input());
        this.out = new BufferedOutputStream(channel.output(), DotStuffer.BUFFER);
    }

    /**
     * Connects, reads the greeting and sends LHLO.
     *
     * @throws IOException when the server cannot be reached, answers with something else than 220 and 250,
     *                     or not within the timeouts
     */
    public static LmtpClient connect(LmtpTarget target, Settings settings) throws IOException {
        TimedChannel channel = TimedChannel.connect(target.address(), settings.connectTimeout());
        LmtpClient client = new LmtpClient(target, settings, channel);
        try {
            channel.timeout(settings.commandTimeout());
            SmtpReply greeting = client.readReply(false);
            log.debug("{} << {}", target, greeting);
            if (greeting.code() != 220) {
                throw new LmtpProtocolException("LMTP server " + target + " refused the session: " + greeting);
            }
            // RFC 2033 section 4.1: LHLO instead of EHLO; there is no HELO fallback in LMTP.
            client.writeCommands(List.of("LHLO " + settings.lhloName()));
            SmtpReply lhlo = client.readReply(false);
            log.debug("{} << {}", target, lhlo);
            if (lhlo.code() != 250) {
                throw new LmtpProtocolException("LMTP server " + target + " refused LHLO: " + lhlo);
            }
            client.capabilities = Capabilities.fromEhloReply(lhlo);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    public boolean isOpen() {
        return !closed;
    }

    /**
     * One transaction: returns one reply per envelope recipient, in envelope order. A recipient refused at
     * RCPT gets that refusal; an accepted one gets its own reply after the final dot. If the connection
     * fails midway, every recipient not yet answered gets {@code 451 4.4.2} and the client is closed; a reply
     * already received stands (the server has already delivered to that mailbox).
     */
    public List<SmtpReply> send(Envelope envelope, MessageSource message) {
        int n = envelope.recipients().size();
        SmtpReply[] replies = new SmtpReply[n];
        try {
            if (closed) {
                throw new IOException("connection to " + target + " is closed");
            }
            transaction(envelope, message, replies);
        } catch (IOException e) {
            SmtpReply lost = connectionLost(e);
            log.debug("{}: {}", target, lost);
            fillUnanswered(replies, lost);
            close();
        }
        return List.of(replies);
    }

    private void transaction(Envelope envelope, MessageSource message, SmtpReply[] replies) throws IOException {
        MailParameters p = envelope.parameters();
        SmtpReply refusal = refuseUnsendable(envelope, message);
        if (refusal != null) {
            Arrays.fill(replies, refusal);
            return;
        }
        List<Integer> sendable = new ArrayList<>();
        for (int i = 0; i < replies.length; i++) {
            Recipient r = envelope.recipients().get(i);
            if (hasLineBreak(r.mailbox().address())) {
                // Would smuggle a command of its own; the path parser never lets one through, this is a guard.
                replies[i] = SmtpReply.of(550, "5.1.3", "Bad recipient address syntax");
            } else if (!r.mailbox().isAscii() && !capabilities.has("SMTPUTF8")) {
                // RFC 6531 section 3.2: a non-ASCII address cannot go to a server without SMTPUTF8.
                replies[i] = SmtpReply.of(553, "5.6.7", "LMTP server does not support non-ASCII mailbox names");
            } else {
                sendable.add(i);
            }
        }
        if (sendable.isEmpty()) {
            return;
        }
        String mail = mailCommand(envelope, p, message.size());
        boolean pipelining = capabilities.has("PIPELINING"); // RFC 2033 section 4.1 makes it mandatory
        SmtpReply mailReply;
        if (pipelining) {
            List<String> batch = new ArrayList<>();
            batch.add(mail);
            for (int i : sendable) {
                batch.add(rcptCommand(envelope.recipients().get(i)));
            }
            writeCommands(batch);
            mailReply = read();
            for (int i : sendable) {
                // Read every RCPT reply even after a refused MAIL, to stay in step with the server.
                replies[i] = read();
            }
        } else {
            writeCommands(List.of(mail));
            mailReply = read();
            for (int i : sendable) {
                if (mailReply.code() / 100 != 2) {
                    break;
                }
                writeCommands(List.of(rcptCommand(envelope.recipients().get(i))));
                replies[i] = read();
            }
        }
        if (mailReply.code() / 100 != 2) {
            for (int i : sendable) {
                replies[i] = mailReply;
            }
            resetIfOpen(mailReply);
            return;
        }
        List<Integer> accepted = sendable.stream().filter(i -> replies[i].code() / 100 == 2).toList();
        if (accepted.isEmpty()) {
            resetIfOpen(null);
            return;
        }
        for (int i : accepted) {
            // From here on an accepted recipient is decided only by a later reply: if the connection
            // breaks first, its 250 to RCPT must not read as delivered.
            replies[i] = null;
        }
        writeCommands(List.of("DATA"));
        SmtpReply data = read();
        if (data.code() != 354) {
            for (int i : accepted) {
                replies[i] = data;
            }
            resetIfOpen(data);
            return;
        }
        streamData(message);
        for (int i : accepted) {
            // RFC 2033 section 4.2: one reply for each successful RCPT, in RCPT order.
            replies[i] = read(settings.finalTimeout());
            if (replies[i].code() == 421) {
                // The server is closing (RFC 5321 section 3.8): the replies still owed will not come.
                fillUnanswered(replies, replies[i]);
                close();
                return;
            }
        }
    }

    /** A reason to refuse the whole message without sending it, or null. */
    private SmtpReply refuseUnsendable(Envelope envelope, MessageSource message) {
        MailParameters p = envelope.parameters();
        if (hasLineBreak(envelope.reversePathText())) {
            return SmtpReply.of(550, "5.1.7", "Bad sender address syntax");
        }
        if (envelope.reversePath() != null && !envelope.reversePath().isAscii() && !capabilities.has("SMTPUTF8")) {
            return SmtpReply.of(550, "5.6.7", "LMTP server does not support non-ASCII sender addresses"); // RFC 6531 3.5
        }
        if (p.body() == BodyType.BINARY_MIME) {
            // RFC 3030 section 3: binary content needs BDAT, which this client does not send.
            return SmtpReply.of(554, "5.6.3", "Binary content cannot be handed over by LMTP DATA");
        }
        if (p.body() == BodyType.EIGHT_BIT_MIME && !capabilities.has("8BITMIME")) {
            // RFC 6152 section 3: no 8-bit data to a server that did not offer 8BITMIME; we do not downgrade.
            return SmtpReply.of(554, "5.6.3", "LMTP server does not accept 8-bit content");
        }
        long max = capabilities.maxSize();
        if (max > 0 && message.size() > max) {
            return SmtpReply.of(552, "5.3.4", "Message too big for the LMTP server"); // RFC 1870 section 6.1
        }
        return null;
    }

    private String mailCommand(Envelope envelope, MailParameters p, long size) {
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(envelope.reversePathText()).append('>');
        if (capabilities.has("SIZE") && size >= 0) {
            sb.append(" SIZE=").append(size);
        }
        if (p.body() != null && capabilities.has("8BITMIME")) {
            sb.append(" BODY=").append(p.body().keyword()); // RFC 6152
        }
        if (p.smtputf8() && capabilities.has("SMTPUTF8")) {
            sb.append(" SMTPUTF8"); // RFC 6531 section 3.4
        }
        if (capabilities.has("DSN")) {
            if (p.ret() != null) {
                sb.append(" RET=").append(p.ret().name());
            }
            if (p.envid() != null) {
                sb.append(" ENVID=").append(p.envid());
            }
        }
        return sb.toString();
    }

    private String rcptCommand(Recipient r) {
        StringBuilder sb = new StringBuilder("RCPT TO:<").append(r.mailbox().address()).append('>');
        if (capabilities.has("DSN")) {
            // RFC 3461 section 4: passed on unchanged, so a DSN from the LMTP server names the original.
            if (r.notifyParam() != null) {
                sb.append(" NOTIFY=").append(r.notifyParam());
            }
            if (r.orcpt() != null) {
                sb.append(" ORCPT=").append(r.orcpt());
            }
        }
        return sb.toString();
    }

    private void streamData(MessageSource message) throws IOException {
        channel.timeout(settings.dataTimeout());
        try (InputStream in = message.open()) {
            DotStuffer.Stats stats = stuffer.write(in, out);
            out.flush();
            if (stats.strayLineBreaksFixed() > 0) {
                log.warn("{}: message had {} bare CR/LF, sent as CRLF (RFC 5321 2.3.8)", target, stats.strayLineBreaksFixed());
            }
        } finally {
            channel.timeout(settings.commandTimeout());
        }
    }

    /** After a refusal the server may still hold MAIL state: RSET so the next MAIL is not refused with 503. */
    private void resetIfOpen(SmtpReply last) throws IOException {
        if (last != null && last.code() == 421) {
            close();
            return;
        }
        writeCommands(List.of("RSET"));
        SmtpReply reply = read();
        if (reply.code() / 100 != 2) {
            close(); // the session is in an unknown state; the transaction's replies stand
        }
    }

    /** QUIT, a short wait for 221 (RFC 5321 section 4.1.1.10), close. Never throws. */
    public void quit() {
        if (closed) {
            return;
        }
        try {
            writeCommands(List.of("QUIT"));
            read(QUIT_WAIT.compareTo(settings.commandTimeout()) < 0 ? QUIT_WAIT : settings.commandTimeout());
        } catch (IOException e) {
            log.debug("{}: QUIT: {}", target, e.toString());
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        closed = true;
        channel.close();
    }

    private SmtpReply read() throws IOException {
        return read(settings.commandTimeout());
    }

    private SmtpReply read(Duration timeout) throws IOException {
        channel.timeout(timeout);
        try {
            SmtpReply reply = readReply(capabilities != null && capabilities.has("ENHANCEDSTATUSCODES"));
            log.debug("{} << {}", target, reply);
            return reply;
        } finally {
            channel.timeout(settings.commandTimeout());
        }
    }

    /** A batch of command lines in one write (RFC 2920 pipelining when there is more than one). */
    private void writeCommands(List<String> commands) throws IOException {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (String c : commands) {
            if (c.indexOf('\r') >= 0 || c.indexOf('\n') >= 0) {
                // An address carrying CR or LF would smuggle a command of its own.
                throw new IllegalArgumentException("CR or LF inside an LMTP command");
            }
            log.debug("{} >> {}", target, c);
            batch.writeBytes(c.getBytes(StandardCharsets.UTF_8));
            batch.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(batch.toByteArray());
        out.flush();
    }

    private static boolean hasLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }

    private static void fillUnanswered(SmtpReply[] replies, SmtpReply reply) {
        for (int i = 0; i < replies.length; i++) {
            if (replies[i] == null) {
                replies[i] = reply;
            }
        }
    }

    /** RFC 3463 X.4.2 "bad connection": temporary, so the queue tries these recipients again. */
    private SmtpReply connectionLost(IOException e) {
        String why = String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", "?");
        if (e instanceof LmtpProtocolException) {
            return SmtpReply.of(451, "4.5.0", "LMTP protocol error with " + target + ": " + why);
        }
        return SmtpReply.of(451, "4.4.2", "LMTP connection to " + target + " failed: " + why);
    }

    /** One reply; a malformed one is a protocol error of this LMTP session. */
    private SmtpReply readReply(boolean enhancedCodes) throws IOException {
        try {
            return reader.read(enhancedCodes);
        } catch (SmtpClientException e) {
            throw new LmtpProtocolException(e.getMessage());
        }
    }
}
