package dev.mailroom.tls;

import java.nio.file.Path;

/**
 * A TLS certificate or key file that cannot be used. The message is always {@code "<file>: <reason>"} so that an
 * operator reading a startup error or a reload warning knows which of the two files to fix without a stack trace.
 */
public final class TlsConfigException extends Exception {
    private final transient Path file;

    public TlsConfigException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public TlsConfigException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file the problem was found in. */
    public Path file() {
        return file;
    }
}
