package dev.mailroom.quota;

import dev.mailroom.directory.AtomicFiles;
import dev.mailroom.log.EventLog;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The usage journal: one line per accepted message, appended with a plain write (no fsync) so that counting costs
 * no disk flush per message; {@link #force} makes the lines durable, once a second from a background thread and at
 * shutdown. A write reaches the kernel before the client gets its 250, so a crash of the process loses nothing;
 * a crash of the machine loses at most the last second of counts, which only lets an account send a little more.
 *
 * <p>At start the journal is replayed and then rewritten from the state it produced ({@link #rewrite}): one line per
 * used minute and per group of remembered recipients, without what has aged out. The same rewrite keeps a running
 * server's journal from growing without end. The file is written whole and renamed into place, so a crash leaves
 * either the old journal or the new one.
 */
final class UsageJournal implements Closeable {
    static final String HEADER = "mailroom-quota-journal 1";

    private final Path file;
    private final Path tmp;
    /*
     * A FileOutputStream, not a FileChannel: session threads append, and the listener interrupts them at shutdown;
     * an interrupt during a FileChannel write would close the channel for every other session too.
     */
    private FileOutputStream out;
    private long size;
    private boolean dirty;

    private UsageJournal(Path file) {
        this.file = file;
        this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
    }

    /**
     * Reads the journal (if any) into {@code replay}. Lines that do not parse, as the tail of a write torn by a
     * power loss, are skipped and counted in the log. The journal is not yet open for appending: {@link #rewrite}
     * does that.
     *
     * @throws IOException when the file cannot be read or is not a usage journal of this version
     */
    static UsageJournal replay(Path file, Consumer<UsageRecord> replay) throws IOException {
        UsageJournal journal = new UsageJournal(file);
        Files.deleteIfExists(journal.tmp); // a rewrite that did not finish: the journal itself is whole
        if (!Files.exists(file)) {
            return journal;
        }
        int skipped = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header != null && !header.equals(HEADER)) {
                throw new IOException(file + ": not a usage journal of this version (first line: " + header + ")");
            }
            String line;
            while ((line = in.readLine()) != null) {
                try {
                    replay.accept(UsageRecord.parse(line));
                } catch (IllegalArgumentException e) {
                    skipped++;
                }
            }
        }
        if (skipped > 0) {
            EventLog.warn("quota-journal", "file", file, "skipped_lines", skipped);
        }
        return journal;
    }

    /** Appends one record; durable after the next {@link #force}. */
    synchronized void append(UsageRecord record) throws IOException {
        if (out == null) {
            throw new IOException(file + " is closed");
        }
        byte[] bytes = record.line().getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        size += bytes.length;
        dirty = true;
    }

    /** Makes every appended record durable (fsync); nothing to do when nothing was appended. */
    void force() throws IOException {
        FileOutputStream synced;
        synchronized (this) {
            if (!dirty || out == null) {
                return;
            }
            dirty = false;
            synced = out;
        }
        // Outside the lock, so appends do not wait for the disk.
        try {
            synced.getFD().sync();
        } catch (IOException e) {
            synchronized (this) {
                if (synced != out) {
                    return; // a rewrite replaced the file in between, and synced the new one
                }
                dirty = true;
            }
            throw e;
        }
    }

    synchronized long size() {
        return size;
    }

    /**
     * Replaces the journal with {@code state} (which writes every record of the current state) and appends to the
     * new file from then on. The caller keeps appends out meanwhile, or they would be lost with the old file.
     */
    synchronized void rewrite(Consumer<Consumer<UsageRecord>> state) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), AtomicFiles.ownerOnly())) {
            Writer w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8),
                    1 << 16);
            w.write(HEADER + "\n");
            try {
                state.accept(record -> {
                    try {
                        w.write(record.line());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            w.flush();
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself survives a crash
        }
        if (out != null) {
            out.close();
        }
        out = new FileOutputStream(file.toFile(), true);
        size = Files.size(file);
        dirty = false;
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            try {
                out.getFD().sync();
            } finally {
                out.close();
                out = null;
            }
        }
    }
}
