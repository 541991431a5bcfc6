package dev.mailroom.queue;

import java.io.IOException;
import java.io.OutputStream;

/** A message being written into the spool. Exactly one of commit or abort ends it. */
public interface SpoolWriter {

    /** The queue id, known before the content so that it can appear in the Received header. */
    String id();

    /** Where the message content goes (CRLF line endings, no dot-stuffing). */
    OutputStream content();

    /**
     * Header fields known only once the content is complete (DKIM-Signature needs the hash of the whole body), to go
     * before the content: every reader of the committed message sees these fields first, and its size counts them.
     * At most once, after the last write to {@link #content()} and before {@link #commit()}.
     *
     * @param fields whole header fields, each ending in CRLF
     */
    void prependHeader(byte[] fields) throws IOException;

    /** Makes the message durable (fsync'd, visible to the queue); returns when it is. */
    void commit() throws IOException;

    /** Drops the message; nothing stays behind. */
    void abort();
}
