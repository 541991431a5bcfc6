package dev.mailroom.queue;

import java.io.IOException;

/** Another Mailroom server already runs on this spool: two would deliver every message twice. */
public final class SpoolInUseException extends IOException {
    public SpoolInUseException(String message) {
        super(message);
    }
}
