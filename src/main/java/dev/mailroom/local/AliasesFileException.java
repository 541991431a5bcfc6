package dev.mailroom.local;

import java.io.IOException;

/** A line of the aliases file that Mailroom refuses: {@code file:line: reason}. */
public final class AliasesFileException extends IOException {

    private final String file;
    private final int line;
    private final String reason;

    public AliasesFileException(String file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** 1-based. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
