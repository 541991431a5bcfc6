package dev.mailroom.dsn;

import dev.mailroom.envelope.Envelope;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Objects;

/**
 * The message a DSN reports on.
 *
 * @param envelope its envelope: reverse path (where the DSN goes), RET and ENVID, the recipients' ORCPT
 * @param arrival  when Mailroom accepted it (Arrival-Date, RFC 3464 section 2.2.5)
 * @param size     its size in octets, or -1 when unknown (then it is measured when needed)
 * @param content  opens its content (canonical CRLF octets as spooled); may be called more than once
 */
public record OriginalMessage(Envelope envelope, Instant arrival, long size, Content content) {

    public OriginalMessage {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(content, "content");
    }

    /** A fresh stream over the whole original message, e.g. {@code storedMessage::openContent}. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }
}
