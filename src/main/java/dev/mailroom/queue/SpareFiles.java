package dev.mailroom.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>The pool is bounded in bytes, not files, and is meant to cover a burst: while mail arrives faster than it
 * leaves, every message in the queue holds a file, and a pool smaller than that backlog sends the next burst
 * back to creating files (measured at 200 smtp-source sessions with a pool of 512 files: {@code open(O_CREAT)}
 * was 15 % of Mailroom's CPU again). A file counts as at least one 4 KiB block, what it occupies on disk, so
 * {@code capacityBytes} of 64 MiB is 16,384 small messages or 256 of the largest kept, {@link #MAX_SIZE}.
 *
 * <p>A spare's content is garbage: it is never read as a message, and a crash leaves the pool as it was.
 */
final class SpareFiles {
    static final long MAX_SIZE = 256 * 1024;
    private static final long BLOCK = 4096;
    private final Path dir;
    private final long capacityBytes;
    private final ConcurrentLinkedDeque<Spare> ready = new ConcurrentLinkedDeque<>();
    /** Bytes of the spares on disk, ready or being moved in: what the capacity bounds. */
    private final AtomicLong held = new AtomicLong();

    private record Spare(Path path, long charge) {
    }

    private SpareFiles(Path dir, long capacityBytes) {
        this.dir = dir;
        this.capacityBytes = capacityBytes;
    }

    /** Takes over the spares a previous run left (up to the capacity; the rest are deleted). */
    static SpareFiles open(Path dir, long capacityBytes) throws IOException {
        Files.createDirectories(dir);
        SpareFiles spares = new SpareFiles(dir, capacityBytes);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                long size = Files.isRegularFile(p) ? Files.size(p) : Long.MAX_VALUE;
                if (size <= MAX_SIZE && spares.held.get() + charge(size) <= capacityBytes) {
                    spares.held.addAndGet(charge(size));
                    spares.ready.add(new Spare(p, charge(size)));
                } else {
                    Files.deleteIfExists(p);
                }
            }
        }
        return spares;
    }

    private static long charge(long size) {
        return Math.max(BLOCK, (size + BLOCK - 1) / BLOCK * BLOCK);
    }

    /** A spare to write a new message into, or null when there is none. */
    Path take() {
        Spare s = ready.pollFirst();
        if (s == null) {
            return null;
        }
        held.addAndGet(-s.charge());
        return s.path();
    }

    /**
     * Moves a delivered message's file here, under its (unique) queue id. The caller must make the removal from
     * the queue directory durable before {@link #offer offering} it: otherwise a crash could bring the old name
     * back pointing at a file that already holds the next message. Returns null when the file is not kept: the
     * pool is full or the file too big (the caller deletes it).
     */
    Adopted adopt(Path file, String id) throws IOException {
        long size = Files.size(file);
        if (size > MAX_SIZE) {
            return null;
        }
        long charge = charge(size);
        if (held.addAndGet(charge) > capacityBytes) {
            held.addAndGet(-charge);
            return null;
        }
        Path spare = dir.resolve(id);
        try {
            Files.move(file, spare, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            held.addAndGet(-charge);
            throw e;
        }
        return new Adopted(spare, charge);
    }

    /** A file moved into the pool and not yet offered. */
    record Adopted(Path path, long charge) {
    }

    /** Makes an adopted file available to {@link #take}. */
    void offer(Adopted spare) {
        ready.addLast(new Spare(spare.path(), spare.charge()));
    }

    /** Forgets an adopted file that could not be offered (deleted by the caller). */
    void drop(Adopted spare) {
        held.addAndGet(-spare.charge());
    }
}
