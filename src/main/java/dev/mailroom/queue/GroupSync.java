package dev.mailroom.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for a directory fsync. Each committed message needs its directory entry on disk; when many
 * sessions commit at once, one fsync of the directory covers all the renames done before it started. A
 * caller that arrives while a sync runs waits for the next one, which is then shared by everyone who
 * arrived meanwhile, so throughput grows with concurrency instead of queueing behind the disk.
 */
public final class GroupSync {
    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long requested;   // tickets handed out
    private long completed;   // highest ticket known durable
    private boolean syncing;
    private FileChannel channel; // the directory, kept open: only the leader uses it


    public GroupSync(Path directory) {
        this.directory = directory;
    }

    /** Returns once every rename this thread did before calling is durable. */
    public void sync() throws IOException {
        long ticket;
        lock.lock();
        try {
            ticket = ++requested;
            while (true) {
                if (completed >= ticket) {
                    return;
                }
                if (!syncing) {
                    break; // become the leader for everything requested so far
                }
                changed.awaitUninterruptibly();
            }
            syncing = true;
        } finally {
            lock.unlock();
        }
        long covered;
        lock.lock();
        try {
            covered = requested;
        } finally {
            lock.unlock();
        }
        IOException error = null;
        try {
            if (channel == null) {
                channel = FileChannel.open(directory, StandardOpenOption.READ);
            }
            channel.force(true);
        } catch (IOException e) {
            error = e;
            closeChannel(); // reopened by the next leader: the directory may have been replaced
        }
        lock.lock();
        try {
            syncing = false;
            if (error == null) {
                completed = Math.max(completed, covered);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (error != null) {
            throw error;
        }
    }

    private void closeChannel() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // a failed close of a read-only directory handle loses nothing
        } finally {
            channel = null;
        }
    }
}
