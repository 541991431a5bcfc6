package dev.mailroom.local;

import dev.mailroom.envelope.Envelope;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.MessageSource;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a message to a local LMTP server (Dovecot, Cyrus) for all its local recipients at once, one
 * connection per message: the server is local, so a connection is cheap, and no idle session is left
 * open against the server's own timeouts. Thread-safe; never throws.
 */
public final class LmtpDelivery {

    private static final Logger log = LoggerFactory.getLogger(LmtpDelivery.class);

    private final LmtpTarget target;
    private final LmtpClient.Settings settings;

    public LmtpDelivery(LmtpTarget target, LmtpClient.Settings settings) {
        this.target = target;
        this.settings = settings;
    }

    public LmtpTarget target() {
        return target;
    }

    /**
     * Delivers and returns one reply per envelope recipient, in envelope order (RFC 2033 section 4.2):
     * 2xx delivered, 5xx failed for good, 4xx try again later. When the server cannot be reached every
     * recipient gets {@code 451 4.4.1}.
     */
    public List<SmtpReply> deliver(Envelope envelope, MessageSource message) {
        if (envelope.recipients().isEmpty()) {
            return List.of();
        }
        LmtpClient client;
        try {
            client = LmtpClient.connect(target, settings);
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", "?");
            log.debug("LMTP {} unreachable: {}", target, why);
            // RFC 3463 X.4.1 "no answer from host": temporary, the queue retries.
            SmtpReply reply = e instanceof LmtpProtocolException
                    ? SmtpReply.of(451, "4.5.0", "LMTP session with " + target + " failed: " + why)
                    : SmtpReply.of(451, "4.4.1", "LMTP server " + target + " not reachable: " + why);
            return Collections.nCopies(envelope.recipients().size(), reply);
        }
        try {
            return client.send(envelope, message);
        } finally {
            client.quit();
        }
    }
}
