package dev.mailroom.queue;

import java.io.IOException;

/**
 * Creates a message's spool file once its header section has been seen, because one envelope tag comes from there:
 * {@code TLS-Required: No} (RFC 8689 section 5), which must be in the envelope that the spool file starts with.
 */
@FunctionalInterface
public interface SpoolOpener {
    /** @param tlsOptional the header section says {@code TLS-Required: No} */
    SpoolWriter open(boolean tlsOptional) throws IOException;
}
