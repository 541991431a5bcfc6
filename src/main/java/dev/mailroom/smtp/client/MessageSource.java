package dev.mailroom.smtp.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The message content to transmit: canonical CRLF bytes (RFC 5322 section 2.3), <em>not</em> dot-stuffed.
 * The client stuffs and terminates it itself, and may open it more than once (one per transaction).
 */
public interface MessageSource {

    /** A fresh stream over the whole message, from its first byte. The client closes it. */
    InputStream open() throws IOException;

    /** The size in octets, or -1 when unknown (then no SIZE= is declared). */
    long size();

    static MessageSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new MessageSource() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }

            @Override
            public long size() {
                return copy.length;
            }
        };
    }

    /** A message in a file; the size is taken now (a spool file does not change once written). */
    static MessageSource of(Path file) throws IOException {
        long size = Files.size(file);
        return new MessageSource() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public long size() {
                return size;
            }
        };
    }
}
