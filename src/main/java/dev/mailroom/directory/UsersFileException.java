package dev.mailroom.directory;

import java.io.IOException;
import java.nio.file.Path;

/** A malformed users file: names the file, the 1-based line and the reason, never the line's hash. */
public class UsersFileException extends IOException {

    private final Path file;
    private final int line;

    public UsersFileException(Path file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }
}
