package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.queue.ControlRequest.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool lock and the request/answer files between a queue command and the running server, with a real spool
 * behind the server's side (the offline actions stand in for the scheduler, which has its own tests).
 */
class QueueControlTest {
    @TempDir
    Path dir;

    private static long controlFiles(Path spoolRoot) throws Exception {
        try (Stream<Path> s = Files.list(spoolRoot.resolve("control"))) {
            return s.count();
        }
    }

    @Test
    void aSecondServerOnTheSameSpoolIsRefusedUntilTheFirstCloses() throws Exception {
        QueueControl first = QueueControl.lock(dir);
        assertThat(SpoolLock.holder(dir)).isEqualTo("server " + ProcessHandle.current().pid());
        assertThatThrownBy(() -> QueueControl.lock(dir)).isInstanceOf(SpoolInUseException.class)
                .hasMessageContaining("in use by another Mailroom server (pid " + ProcessHandle.current().pid() + ")");
        // A queue command finds the server at once, without waiting its patience out.
        long start = System.nanoTime();
        assertThat(SpoolLock.acquire(dir, SpoolLock.Holder.QUEUE_COMMAND, Duration.ofSeconds(5))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        first.close();
        try (QueueControl second = QueueControl.lock(dir)) {
            assertThat(second).isNotNull();
        }
    }

    @Test
    void aServerStartingWhileAQueueCommandHoldsTheLockWaitsForIt() throws Exception {
        SpoolLock command = SpoolLock.acquire(dir, SpoolLock.Holder.QUEUE_COMMAND, Duration.ZERO).orElseThrow();
        assertThat(SpoolLock.holder(dir)).startsWith("queue ");
        CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
                command.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (QueueControl server = QueueControl.lock(dir)) {
            assertThat(released).isDone();
            assertThat(SpoolLock.holder(dir)).startsWith("server ");
        }
    }

    @Test
    void theServerAnswersEachRequestOnceAndNoFileIsLeft() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = TestMessages.commit(spool);
        try (QueueControl server = QueueControl.lock(dir)) {
            server.serve(new OfflineQueue(spool, Clock.systemUTC()).actions());
            assertThat(ControlClient.send(dir, Operation.HOLD, id, Duration.ofSeconds(10)))
                    .isEqualTo(ControlAnswer.ok("held " + id));
            assertThat(spool.read(id).state().held()).isTrue();
            assertThat(ControlClient.send(dir, Operation.RELEASE, id, Duration.ofSeconds(10)))
                    .isEqualTo(ControlAnswer.ok("released " + id));
            assertThat(spool.read(id).state().held()).isFalse();
            assertThat(ControlClient.send(dir, Operation.DELETE, id, Duration.ofSeconds(10)))
                    .isEqualTo(ControlAnswer.ok("deleted " + id));
            assertThat(ControlClient.send(dir, Operation.DELETE, id, Duration.ofSeconds(10)))
                    .isEqualTo(ControlAnswer.noSuchMessage(id));
            assertThat(ControlClient.send(dir, Operation.FLUSH, null, Duration.ofSeconds(10)))
                    .isEqualTo(ControlAnswer.ok("flushed 0 message(s)"));
            assertThat(controlFiles(dir)).isZero();
        }
    }

    @Test
    void aMalformedRequestGetsAnErrorAnswer() throws Exception {
        try (QueueControl server = QueueControl.lock(dir)) {
            server.serve(new OfflineQueue(FileSpool.recover(dir), Clock.systemUTC()).actions());
            String name = UUID.randomUUID().toString();
            Path answer = dir.resolve("control/" + name + ".answer");
            // Written as ControlClient does: whole under another name, then renamed.
            Path tmp = Files.writeString(dir.resolve("control/" + name + ".tmp"), "erase everything\ndeadline 1\n");
            Files.move(tmp, dir.resolve("control/" + name + ".request"), StandardCopyOption.ATOMIC_MOVE);
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Files.exists(answer) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(Files.readString(answer, StandardCharsets.UTF_8))
                    .isEqualTo("error bad request: unknown operation: erase\n");
        }
    }

    @Test
    void withoutAnAnswerTheCommandWithdrawsItsRequestAndNothingHappensLater() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = TestMessages.commit(spool);
        try (QueueControl server = QueueControl.lock(dir)) {
            // The lock is held but nobody serves: a hung server, as far as the command can tell.
            assertThatThrownBy(() -> ControlClient.send(dir, Operation.DELETE, id, Duration.ofMillis(500)))
                    .isInstanceOfSatisfying(ControlClient.NoAnswerException.class, e -> assertThat(e.taken()).isFalse());
            assertThat(controlFiles(dir)).isZero();
            server.serve(new OfflineQueue(spool, Clock.systemUTC()).actions());
            Thread.sleep(3 * QueueControl.POLL_MILLIS);
            assertThat(spool.list()).containsExactly(id);
        }
    }

    @Test
    void aRequestFoundAfterItsDeadlineIsDroppedNotCarriedOut() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = TestMessages.commit(spool);
        try (QueueControl server = QueueControl.lock(dir)) {
            // Left by a command that gave up while the server was down.
            Path request = dir.resolve("control/" + UUID.randomUUID() + ".request");
            Path tmp = Files.writeString(dir.resolve("control/left-over.tmp"),
                    new ControlRequest(Operation.DELETE, id, Instant.now().minusSeconds(1)).encode());
            Files.move(tmp, request, StandardCopyOption.ATOMIC_MOVE);
            server.serve(new OfflineQueue(spool, Clock.systemUTC()).actions());
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (controlFiles(dir) > 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(controlFiles(dir)).isZero();
            assertThat(spool.list()).containsExactly(id);
        }
    }

    @Test
    void theLockIsFreeAgainAfterClose() throws Exception {
        QueueControl.lock(dir).close();
        Optional<SpoolLock> lock = SpoolLock.acquire(dir, SpoolLock.Holder.QUEUE_COMMAND, Duration.ZERO);
        assertThat(lock).isPresent();
        lock.get().close();
    }
}
