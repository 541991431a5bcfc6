package dev.mailroom.queue;

import dev.mailroom.envelope.Envelope;
import dev.mailroom.log.EventLog;
import java.io.IOException;

/**
 * Creates a message's spool file once its header section has been seen, because one envelope tag comes from there:
 * {@code TLS-Required: No} (RFC 8689 section 5), which must be in the envelope that the spool file starts with.
 */
@FunctionalInterface
public interface SpoolOpener {
    /** @param tlsOptional the header section says {@code TLS-Required: No} */
    SpoolWriter open(boolean tlsOptional) throws IOException;

    /**
     * Opens {@code envelope}'s file in {@code spool}, tagged when asked. From the moment a file exists the
     * receiving session's log lines carry its queue id (see {@link EventLog#QUEUE}), so the message can be
     * followed from its DATA on; a file opened again, tagged, replaces the id.
     */
    static SpoolOpener of(Spool spool, Envelope envelope, String authenticatedUser) {
        return tlsOptional -> {
            SpoolWriter writer = spool.create(tlsOptional ? new Envelope(envelope.reversePath(),
                    envelope.parameters().withTlsOptional(), envelope.recipients()) : envelope, authenticatedUser);
            EventLog.queue(writer.id());
            return writer;
        };
    }
}
