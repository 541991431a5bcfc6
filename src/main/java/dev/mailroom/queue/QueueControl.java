package dev.mailroom.queue;

import dev.mailroom.log.EventLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The running server's side of the queue commands (Postfix's postqueue talking to qmgr, done with files): the
 * server holds the {@link SpoolLock} for as long as it runs, and one virtual thread watches
 * {@code spool/control/} for requests that {@link ControlClient} leaves there.
 *
 * <pre>
 *   NAME.request          written by the command (under a temporary name, then renamed)
 *   NAME.working          the server took it (renamed, so it is done once and a late withdrawal fails);
 *                         removed once done
 *   NAME.answer           the server's answer (temporary name, then renamed); the command reads and removes it
 * </pre>
 *
 * Files are polled rather than watched: a few stat calls every {@value #POLL_MILLIS} ms cost nothing, work the
 * same on every file system, and cannot miss an event.
 */
public final class QueueControl implements Closeable {
    static final String DIRECTORY = "control";
    static final String REQUEST = ".request";
    static final String WORKING = ".working";
    static final String ANSWER = ".answer";
    static final long POLL_MILLIS = 150;
    /** A request name is a random UUID: nothing else in the directory is ever taken for one. */
    static final Pattern NAME = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** How long a server start waits while a queue command holds the lock for its few milliseconds. */
    private static final Duration PATIENCE = Duration.ofSeconds(5);
    /** Left-overs older than this (answers nobody fetched, a crashed server's work) are removed. */
    private static final Duration LEFT_OVER = Duration.ofMinutes(1);

    private final SpoolLock lock;
    private final Path directory;
    private final CountDownLatch stop = new CountDownLatch(1);
    private Thread watcher;

    private QueueControl(SpoolLock lock, Path directory) {
        this.lock = lock;
        this.directory = directory;
    }

    /**
     * Takes the spool for this server, before anything reads or cleans it.
     *
     * @throws SpoolInUseException when another server runs on the same spool
     */
    public static QueueControl lock(Path spoolRoot) throws IOException {
        Optional<SpoolLock> lock = SpoolLock.acquire(spoolRoot, SpoolLock.Holder.SERVER, PATIENCE);
        if (lock.isEmpty()) {
            String holder = SpoolLock.holder(spoolRoot);
            throw new SpoolInUseException(spoolRoot + " is in use by another Mailroom "
                    + (holder.isEmpty() ? "process" : holder.replaceFirst("^(\\S+) (\\d+)$", "$1 (pid $2)"))
                    + "; stop it first, or give this server another data_dir");
        }
        Path directory = spoolRoot.resolve(DIRECTORY);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            lock.get().close();
            throw e;
        }
        return new QueueControl(lock.get(), directory);
    }

    /** Starts answering queue commands with these actions (once the scheduler runs). */
    public synchronized void serve(QueueActions actions) {
        if (watcher != null) {
            throw new IllegalStateException("already serving");
        }
        watcher = Thread.ofVirtual().name("queue-control").start(() -> watch(actions));
    }

    private void watch(QueueActions actions) {
        do {
            try {
                answerRequests(actions);
                removeLeftOvers();
            } catch (IOException | RuntimeException e) {
                EventLog.warn("queue-control-error", "dir", directory, "error", e.toString());
            }
        } while (!stopped());
    }

    private boolean stopped() {
        try {
            return stop.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    private void answerRequests(QueueActions actions) throws IOException {
        for (Path request : files(REQUEST)) {
            String name = baseName(request, REQUEST);
            Path working = directory.resolve(name + WORKING);
            try {
                Files.move(request, working, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                continue; // withdrawn by its command meanwhile
            }
            ControlAnswer answer = answer(Files.readString(working, StandardCharsets.UTF_8), actions);
            // Done before the answer appears: the command that reads it finds the directory clean.
            Files.deleteIfExists(working);
            if (answer != null) {
                writeAnswer(name, answer);
            }
        }
    }

    /** @return the answer, or null for a request whose command no longer waits */
    private static ControlAnswer answer(String text, QueueActions actions) {
        ControlRequest request;
        try {
            request = ControlRequest.parse(text);
        } catch (IllegalArgumentException e) {
            EventLog.warn("queue-request", "error", e.getMessage());
            return ControlAnswer.error("bad request: " + e.getMessage());
        }
        if (Instant.now().isAfter(request.deadline())) {
            // Its command gave up (this server was not running then): an old delete must not strike now.
            EventLog.warn("queue-request", "op", request.operation().word(), "queue", request.id(),
                    "result", "dropped, its command stopped waiting at " + request.deadline());
            return null;
        }
        ControlAnswer answer = actions.perform(request);
        EventLog.info("queue-request", "op", request.operation().word(), "queue", request.id(),
                "result", answer.encode().strip());
        return answer;
    }

    private void writeAnswer(String name, ControlAnswer answer) throws IOException {
        Path tmp = directory.resolve(name + ANSWER + ".tmp");
        Files.writeString(tmp, answer.encode(), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, directory.resolve(name + ANSWER), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, directory.resolve(name + ANSWER), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Answers nobody fetched (the command timed out), temporary files of a crash: anything old but a request. */
    private void removeLeftOvers() throws IOException {
        long before = System.currentTimeMillis() - LEFT_OVER.toMillis();
        try (Stream<Path> all = Files.list(directory)) {
            for (Path p : all.toList()) {
                if (!p.getFileName().toString().endsWith(REQUEST) && modifiedMillis(p) < before) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> all = Files.list(directory)) {
            return all.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(suffix) && NAME.matcher(n.substring(0, n.length() - suffix.length())).matches();
            }).sorted(Comparator.comparingLong(QueueControl::modifiedMillis)).toList();
        }
    }

    private static long modifiedMillis(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE; // gone meanwhile
        }
    }

    static String baseName(Path p, String suffix) {
        String n = p.getFileName().toString();
        return n.substring(0, n.length() - suffix.length());
    }

    /** Stops the watcher (after the request it is carrying out), then releases the spool. */
    @Override
    public void close() {
        stop.countDown();
        Thread w;
        synchronized (this) {
            w = watcher;
        }
        if (w != null) {
            try {
                if (!w.join(Duration.ofSeconds(10))) {
                    EventLog.warn("queue-control-error", "error", "watcher still busy at shutdown");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            lock.close();
        } catch (IOException e) {
            EventLog.warn("queue-control-error", "error", "releasing the spool lock: " + e);
        }
    }
}
