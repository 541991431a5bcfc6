package dev.mailroom.queue;

import dev.mailroom.envelope.Envelope;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/** A committed message: its envelope, its delivery state and a way to read its content. */
public interface StoredMessage {
    String id();

    Envelope envelope();

    String authenticatedUser();

    Instant created();

    DeliveryState state();

    /** Content size in octets. */
    long size();

    /** A fresh stream over the content. */
    InputStream openContent() throws IOException;
}
