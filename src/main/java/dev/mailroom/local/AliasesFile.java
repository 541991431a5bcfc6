package dev.mailroom.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aliases file on disk ({@link AliasTable} syntax), re-read when its mtime, size or inode changes,
 * checked at most once per second. A broken edit does not take effect: the last good table stays in use
 * and the error is logged as {@code file:line: reason}. Thread-safe.
 */
public final class AliasesFile {

    private static final Logger LOG = LoggerFactory.getLogger(AliasesFile.class);
    private static final long CHECK_INTERVAL_MILLIS = 1000;

    private record Stamp(FileTime mtime, long size, Object fileKey) {
    }

    private record Snapshot(Stamp stamp, AliasTable table) {
    }

    private final Path path;
    private final Clock clock;
    private volatile Snapshot current;
    private volatile long lastCheckMillis;
    private volatile Stamp lastBadStamp;

    private AliasesFile(Path path, Clock clock) {
        this.path = path;
        this.clock = clock;
    }

    /**
     * Reads the file now, so that a configuration with a broken aliases file does not start.
     *
     * @throws AliasesFileException at the first refused line
     * @throws IOException          when the file cannot be read
     */
    public static AliasesFile load(Path path) throws IOException {
        return load(path, Clock.systemUTC());
    }

    /** With a clock, so tests can step past the once-per-second check without sleeping. */
    static AliasesFile load(Path path, Clock clock) throws IOException {
        AliasesFile file = new AliasesFile(path, clock);
        file.table();
        return file;
    }

    /** Parses a file once, for {@code check-config}. */
    public static AliasTable read(Path path) throws IOException {
        return AliasTable.parse(path.toString(), Files.readAllLines(path, StandardCharsets.UTF_8));
    }

    public Path path() {
        return path;
    }

    /**
     * The current table, reloaded first if the file changed.
     *
     * @throws IOException only when no table was ever loaded; later read errors keep the last good table
     */
    public AliasTable table() throws IOException {
        Snapshot snap = current;
        long now = clock.millis();
        if (snap != null && now - lastCheckMillis < CHECK_INTERVAL_MILLIS) {
            return snap.table();
        }
        synchronized (this) {
            snap = current;
            if (snap != null && now - lastCheckMillis < CHECK_INTERVAL_MILLIS) {
                return snap.table();
            }
            lastCheckMillis = now;
            try {
                Stamp stamp = stamp(); // before reading, so a change during the read is seen next time
                if (snap != null && (stamp.equals(snap.stamp()) || stamp.equals(lastBadStamp))) {
                    return snap.table();
                }
                try {
                    current = new Snapshot(stamp, read(path));
                    lastBadStamp = null;
                    if (snap != null) {
                        LOG.info("event=aliases_reloaded file={} aliases={}", path, current.table().size());
                    }
                } catch (AliasesFileException e) {
                    if (snap == null) {
                        throw e;
                    }
                    lastBadStamp = stamp;
                    LOG.error("Not reloading aliases, keeping the previous version: {}", e.getMessage());
                }
            } catch (IOException e) {
                if (snap == null || e instanceof AliasesFileException) {
                    throw e;
                }
                LOG.error("Cannot read aliases file {}, keeping the previous version: {}", path, e.toString());
            }
            return current.table();
        }
    }

    private Stamp stamp() throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
    }
}
