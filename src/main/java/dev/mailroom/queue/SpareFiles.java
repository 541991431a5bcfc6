package dev.mailroom.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Files of delivered messages, kept in {@code spool/spare/} to hold the next messages instead of being unlinked.
 *
 * <p>Why: a busy queue creates and deletes a file per message, and on ext4 both are the expensive part of the
 * spool's work. Allocating an inode skips every inode freed in the last {@code dirty_expire_centisecs} (30 s), so
 * at 1,000 messages a second each create scans tens of thousands of recently freed inodes (measured with
 * async-profiler: two thirds of {@code open(O_CREAT)} in {@code recently_deleted}); unlinking frees the blocks
 * (with {@code discard}, a TRIM each). A reused file keeps its inode and its blocks: the next message of a
 * similar size overwrites them in place and is cut to length at commit.
 *
 * <p>A spare's content is garbage: it is never read as a message, and a crash leaves the pool as it was.
 * Files bigger than {@link #MAX_SIZE} are not kept, so the pool holds at most {@code capacity × MAX_SIZE}.
 */
final class SpareFiles {
    static final long MAX_SIZE = 256 * 1024;
    private final Path dir;
    private final int capacity;
    private final ConcurrentLinkedDeque<Path> ready = new ConcurrentLinkedDeque<>();
    /** Spares on disk, ready or being moved in: what the capacity bounds. */
    private final AtomicInteger held = new AtomicInteger();

    private SpareFiles(Path dir, int capacity) {
        this.dir = dir;
        this.capacity = capacity;
    }

    /** Takes over the spares a previous run left (up to the capacity; the rest are deleted). */
    static SpareFiles open(Path dir, int capacity) throws IOException {
        Files.createDirectories(dir);
        SpareFiles spares = new SpareFiles(dir, capacity);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (spares.held.get() < capacity && Files.isRegularFile(p) && Files.size(p) <= MAX_SIZE) {
                    spares.held.incrementAndGet();
                    spares.ready.add(p);
                } else {
                    Files.deleteIfExists(p);
                }
            }
        }
        return spares;
    }

    /** A spare to write a new message into, or null when there is none. */
    Path take() {
        Path p = ready.pollFirst();
        if (p != null) {
            held.decrementAndGet();
        }
        return p;
    }

    /**
     * Moves a delivered message's file here, under its (unique) queue id. The caller must make the removal from
     * the queue directory durable before {@link #offer offering} it: otherwise a crash could bring the old name
     * back pointing at a file that already holds the next message. Returns null when the file is not kept: the
     * pool is full or the file too big (the caller deletes it).
     */
    Path adopt(Path file, String id) throws IOException {
        if (held.incrementAndGet() > capacity || Files.size(file) > MAX_SIZE) {
            held.decrementAndGet();
            return null;
        }
        Path spare = dir.resolve(id);
        try {
            Files.move(file, spare, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            held.decrementAndGet();
            throw e;
        }
        return spare;
    }

    /** Makes an adopted file available to {@link #take}. */
    void offer(Path spare) {
        ready.addLast(spare);
    }

    /** Forgets an adopted file that could not be offered (deleted by the caller). */
    void drop() {
        held.decrementAndGet();
    }
}
