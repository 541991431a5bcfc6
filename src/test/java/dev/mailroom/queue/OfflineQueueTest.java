package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's actions on the spool files while no server runs; the due time is what a restart scans. */
class OfflineQueueTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final Instant LATER = NOW.plus(1, ChronoUnit.HOURS);

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    /** A message that was tried once and waits for its back-off, an hour from now. */
    private String deferred(FileSpool spool) throws Exception {
        String id = TestMessages.commit(spool);
        spool.saveState(id, spool.read(id).state().withAttempt(1, LATER));
        return id;
    }

    private static Instant dueTime(FileSpool spool, String id) throws Exception {
        return spool.due(Instant.MAX, 100, x -> false).stream().filter(d -> d.id().equals(id)).findFirst()
                .map(Spool.Due::when).orElseThrow();
    }

    @Test
    void holdKeepsTheMessageOutOfEveryScanAndReleaseMakesItDueNow() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = deferred(spool);
        OfflineQueue offline = new OfflineQueue(spool, clock);

        assertThat(offline.hold(id)).isTrue();
        assertThat(spool.read(id).state().held()).isTrue();
        assertThat(spool.read(id).state().attempts()).isEqualTo(1);
        assertThat(spool.due(LATER.plus(1, ChronoUnit.DAYS), 100, x -> false)).isEmpty();

        assertThat(offline.release(id)).isTrue();
        assertThat(spool.read(id).state().held()).isFalse();
        assertThat(spool.read(id).state().nextAttempt()).isEqualTo(NOW);
        assertThat(dueTime(spool, id)).isEqualTo(NOW);
    }

    @Test
    void flushMakesOneOrAllDueNowButLeavesHeldOnesAlone() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String a = deferred(spool);
        String b = deferred(spool);
        String held = deferred(spool);
        OfflineQueue offline = new OfflineQueue(spool, clock);
        offline.hold(held);

        assertThat(offline.flush(a)).isTrue();
        assertThat(dueTime(spool, a)).isEqualTo(NOW);
        assertThat(spool.read(a).state().nextAttempt()).isEqualTo(NOW);
        assertThat(dueTime(spool, b)).isEqualTo(LATER);

        assertThat(offline.flushAll()).isEqualTo(2);
        assertThat(dueTime(spool, b)).isEqualTo(NOW);
        assertThat(spool.read(held).state().held()).isTrue();
        assertThat(spool.due(LATER.plus(1, ChronoUnit.DAYS), 100, x -> false)).extracting(Spool.Due::id)
                .containsExactlyInAnyOrder(a, b);
    }

    @Test
    void deleteRemovesMessageAndState() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = deferred(spool);
        assertThat(new OfflineQueue(spool, clock).delete(id)).isTrue();
        assertThat(spool.list()).isEmpty();
        try (var left = Files.list(dir.resolve("queue"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void bounceIsRefusedBecauseOnlyTheServerWritesTheNotice() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = deferred(spool);
        OfflineQueue offline = new OfflineQueue(spool, clock);
        assertThatThrownBy(() -> offline.bounce(id)).hasMessageContaining("start the server to bounce " + id);
        assertThat(spool.read(id).state().pending()).containsExactly(0); // nothing changed
        ControlAnswer answer = offline.actions().perform(new ControlRequest(ControlRequest.Operation.BOUNCE, id, LATER));
        assertThat(answer.status()).isEqualTo(ControlAnswer.Status.ERROR);
        assertThat(answer.text()).contains("start the server to bounce");
    }

    @Test
    void withANoticeWriterBounceFailsThePendingRecipientsWritesTheNoticeFirstAndRemovesTheMessage() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = deferred(spool);
        java.util.List<DeliveryState> written = new java.util.ArrayList<>();
        OfflineQueue offline = new OfflineQueue(spool, clock, (message, failed) -> {
            assertThat(spool.list()).contains(message.id()); // still there while the notice is written
            written.add(failed);
        });
        assertThat(offline.bounce(id)).isTrue();
        assertThat(written).singleElement().satisfies(state -> {
            assertThat(state.pending()).isEmpty();
            assertThat(state.recipients().getFirst().outcome()).isEqualTo(RecipientState.Outcome.FAILED);
            assertThat(state.recipients().getFirst().reply().enhanced()).isEqualTo("5.0.0");
        });
        assertThat(spool.list()).doesNotContain(id);
    }

    @Test
    void anUnknownMessageIsNoSuchMessageForEveryAction() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String gone = deferred(spool);
        spool.remove(gone);
        QueueActions actions = new OfflineQueue(spool, clock).actions();
        for (ControlRequest.Operation op : ControlRequest.Operation.values()) {
            assertThat(actions.perform(new ControlRequest(op, gone, LATER)))
                    .isEqualTo(ControlAnswer.noSuchMessage(gone));
        }
        assertThat(actions.perform(new ControlRequest(ControlRequest.Operation.FLUSH, null, LATER)))
                .isEqualTo(ControlAnswer.ok("flushed 0 message(s)"));
    }
}
