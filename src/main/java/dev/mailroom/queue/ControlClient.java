package dev.mailroom.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * The queue command's side of {@link QueueControl}: leaves one request in {@code spool/control/} and waits for
 * the running server's answer.
 */
public final class ControlClient {
    private static final long POLL_MILLIS = 50;

    private ControlClient() {
    }

    /** The server did not answer in time. */
    public static final class NoAnswerException extends Exception {
        private final boolean taken;

        NoAnswerException(boolean taken) {
            super(taken ? "the server took the request but has not finished it (a delivery of the message may be"
                    + " in progress); it will still be carried out"
                    : "the server did not take the request; it was withdrawn and nothing changed");
            this.taken = taken;
        }

        /** True when the server took the request and will still carry it out; false when it was withdrawn. */
        public boolean taken() {
            return taken;
        }
    }

    /**
     * @param operation what to do; {@code id} null only for a flush of the whole queue
     * @param wait      how long to wait for the answer
     */
    public static ControlAnswer send(Path spoolRoot, ControlRequest.Operation operation, String id, Duration wait)
            throws IOException, NoAnswerException {
        Path directory = spoolRoot.resolve(QueueControl.DIRECTORY);
        Files.createDirectories(directory);
        String name = UUID.randomUUID().toString();
        Path request = directory.resolve(name + QueueControl.REQUEST);
        Path answer = directory.resolve(name + QueueControl.ANSWER);
        Instant deadline = Instant.now().plus(wait);
        // Written whole under another name, then renamed: the server never reads half a request.
        Path tmp = directory.resolve(name + QueueControl.REQUEST + ".tmp");
        Files.writeString(tmp, new ControlRequest(operation, id, deadline).encode(), StandardCharsets.UTF_8);
        Files.move(tmp, request, StandardCopyOption.ATOMIC_MOVE);

        while (Instant.now().isBefore(deadline)) {
            ControlAnswer a = fetch(answer);
            if (a != null) {
                return a;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            Files.delete(request);
            throw new NoAnswerException(false);
        } catch (NoSuchFileException taken) {
            ControlAnswer late = fetch(answer); // answered between the last look and now
            if (late != null) {
                return late;
            }
            throw new NoAnswerException(true);
        }
    }

    private static ControlAnswer fetch(Path answer) throws IOException {
        String text;
        try {
            text = Files.readString(answer, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        Files.deleteIfExists(answer);
        try {
            return ControlAnswer.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable answer from the server: " + e.getMessage(), e);
        }
    }
}
