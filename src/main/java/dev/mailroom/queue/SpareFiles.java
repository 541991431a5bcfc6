package dev.mailroom.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * <p>The pool is bounded twice, and is meant to cover a burst: while mail arrives faster than it leaves, every
 * message in the queue holds a file, and a pool smaller than that backlog sends the next burst back to creating
 * files (measured at 200 smtp-source sessions with a pool of 512 files: {@code open(O_CREAT)} was 15 % of
 * Mailroom's CPU again). {@code capacityBytes} bounds the content kept, each file counted as the 4 KiB blocks it
 * occupies; the number of files is bounded by as many as would fill it with one block each: 64 MiB is 16,384
 * files. A file whose content does not fit (larger than {@link #MAX_SIZE}, or the bytes spent) is kept empty: its
 * inode stays, its blocks go. Deleting it instead let a run of 100 KiB messages fill the budget with a few hundred
 * large files, and the next burst of small ones went back to creating files (measured: 1 KiB at 200 sessions
 * after a 100 KiB run took 0.8 instead of 0.5 ms of CPU a message, {@code recently_deleted} again in the profile).
 *
 * <p>A spare's content is garbage: it is never read as a message, and a crash leaves the pool as it was.
 */
final class SpareFiles {
    static final long MAX_SIZE = 256 * 1024;
    private static final long BLOCK = 4096;
    private final Path dir;
    private final long capacityBytes;
    private final long maxFiles;
    private final ConcurrentLinkedDeque<Spare> ready = new ConcurrentLinkedDeque<>();
    /** Spares on disk, ready or being moved in, and the bytes of their content: what the two bounds limit. */
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    /** @param charge the bytes its content counts for: 0 for an empty file */
    private record Spare(Path path, long charge) {
    }

    private SpareFiles(Path dir, long capacityBytes) {
        this.dir = dir;
        this.capacityBytes = capacityBytes;
        this.maxFiles = capacityBytes / BLOCK;
    }

    /**
     * Takes over the spares a previous run left, by the same rules as {@link #adopt}: whole while the bytes last,
     * empty beyond them, deleted beyond the number of files (and anything not a regular file).
     */
    static SpareFiles open(Path dir, long capacityBytes) throws IOException {
        Files.createDirectories(dir);
        SpareFiles spares = new SpareFiles(dir, capacityBytes);
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir)) {
            for (Path p : found) {
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        || !spares.reserve(spares.files, 1, spares.maxFiles)) {
                    Files.deleteIfExists(p);
                    continue;
                }
                Adopted kept = spares.keep(p, Files.size(p));
                spares.offer(kept);
            }
        }
        return spares;
    }

    private static long charge(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** Adds {@code amount} to {@code counter} if that stays within {@code limit}. */
    private boolean reserve(AtomicLong counter, long amount, long limit) {
        if (counter.addAndGet(amount) > limit) {
            counter.addAndGet(-amount);
            return false;
        }
        return true;
    }

    /** A spare to write a new message into, or null when there is none. */
    Path take() {
        Spare s = ready.pollFirst();
        if (s == null) {
            return null;
        }
        release(s.charge());
        return s.path();
    }

    /**
     * Moves a delivered message's file here, under its (unique) queue id. The caller must make the removal from
     * the queue directory durable before {@link #offer offering} it: otherwise a crash could bring the old name
     * back pointing at a file that already holds the next message (or, emptied, none). Returns null when the pool
     * has its most files already (the caller deletes it).
     */
    Adopted adopt(Path file, String id) throws IOException {
        long size = Files.size(file);
        if (!reserve(files, 1, maxFiles)) {
            return null;
        }
        Adopted kept = keep(dir.resolve(id), size);
        try {
            Files.move(file, kept.path(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            release(kept.charge());
            throw e;
        }
        return kept;
    }

    /** For a file counted already: whole when its content fits the bytes left, else to be emptied. */
    private Adopted keep(Path path, long size) {
        boolean whole = size <= MAX_SIZE && reserve(bytes, charge(size), capacityBytes);
        return new Adopted(path, whole ? charge(size) : 0, !whole);
    }

    private void release(long charge) {
        files.decrementAndGet();
        bytes.addAndGet(-charge);
    }

    /** A file moved into the pool and not yet offered; {@code empty}: its content is to be cut off first. */
    record Adopted(Path path, long charge, boolean empty) {
    }

    /**
     * Makes an adopted file available to {@link #take}, emptied first when it did not fit whole. On an error
     * the caller {@link #drop drops} and deletes it.
     */
    void offer(Adopted spare) throws IOException {
        if (spare.empty()) {
            try (FileChannel channel = FileChannel.open(spare.path(), StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
        }
        ready.addLast(new Spare(spare.path(), spare.charge()));
    }

    /** Forgets an adopted file that could not be offered (deleted by the caller). */
    void drop(Adopted spare) {
        release(spare.charge());
    }
}
