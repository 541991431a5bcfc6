package dev.mailroom.queue;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * The exclusive lock on {@code spool/server.lock} that says who may change the spool files: the running server,
 * or, while no server runs, one queue command at a time. The lock is the operating system's (released when its
 * holder dies, even by SIGKILL), so a stale lock file after a crash never blocks anyone.
 *
 * <p>The holder writes one line into the file, {@code server PID} or {@code queue PID}, so that whoever finds
 * the lock taken can tell a running server (ask it, or refuse to start a second one) from a queue command that
 * holds it for a few milliseconds (wait for it).
 */
public final class SpoolLock implements Closeable {
    public static final String FILE = "server.lock";
    private static final Duration RETRY = Duration.ofMillis(25);

    /** Who holds the lock. */
    public enum Holder {
        SERVER("server"), QUEUE_COMMAND("queue");

        private final String word;

        Holder(String word) {
            this.word = word;
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private SpoolLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock for {@code me}, waiting up to {@code patience} while a queue command holds it.
     *
     * @return the lock, or empty when a server holds it (or anything still holds it after {@code patience})
     */
    public static Optional<SpoolLock> acquire(Path spoolRoot, Holder me, Duration patience) throws IOException {
        Files.createDirectories(spoolRoot);
        long end = System.nanoTime() + patience.toNanos();
        while (true) {
            Optional<SpoolLock> lock = tryOnce(spoolRoot.resolve(FILE), me);
            if (lock.isPresent()) {
                return lock;
            }
            if (holder(spoolRoot).startsWith(Holder.SERVER.word + " ") || System.nanoTime() > end) {
                return Optional.empty();
            }
            try {
                Thread.sleep(RETRY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    private static Optional<SpoolLock> tryOnce(Path file, Holder me) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very JVM (a second server started in-process)
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((me.word + " " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return Optional.of(new SpoolLock(channel, lock));
    }

    /**
     * The line the holder wrote ({@code server 1234}), or an empty string; only meaningful while the lock is
     * held, since nobody clears the file on release.
     */
    public static String holder(Path spoolRoot) {
        try {
            return Files.readString(spoolRoot.resolve(FILE), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
