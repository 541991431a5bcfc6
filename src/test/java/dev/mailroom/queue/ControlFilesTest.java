package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.queue.ControlRequest.Operation;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The request and answer files of the queue commands: their text forms and what the parsers refuse. */
class ControlFilesTest {
    private static final String ID = "25XPN20HH577575";
    private static final Instant DEADLINE = Instant.ofEpochMilli(1_764_400_000_000L);

    @Test
    void aRequestReadsBackAsWritten() {
        ControlRequest hold = new ControlRequest(Operation.HOLD, ID, DEADLINE);
        assertThat(hold.encode()).isEqualTo("hold 25XPN20HH577575\ndeadline 1764400000000\n");
        assertThat(ControlRequest.parse(hold.encode())).isEqualTo(hold);
        ControlRequest flushAll = new ControlRequest(Operation.FLUSH, null, DEADLINE);
        assertThat(flushAll.encode()).isEqualTo("flush\ndeadline 1764400000000\n");
        assertThat(ControlRequest.parse(flushAll.encode())).isEqualTo(flushAll);
        assertThat(flushAll.describe()).isEqualTo("flush");
    }

    @Test
    void onlyFlushGoesWithoutAnIdAndAnIdMustBeAQueueId() {
        assertThatThrownBy(() -> new ControlRequest(Operation.DELETE, null, DEADLINE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ControlRequest(Operation.HOLD, "../../etc/passwd", DEADLINE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlRequest.parse("delete\ndeadline 1\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedRequestsAreRefused() {
        assertThatThrownBy(() -> ControlRequest.parse("hold " + ID + "\n")).hasMessageContaining("deadline");
        assertThatThrownBy(() -> ControlRequest.parse("erase " + ID + "\ndeadline 1\n"))
                .hasMessageContaining("unknown operation: erase");
        assertThatThrownBy(() -> ControlRequest.parse("hold " + ID + " " + ID + "\ndeadline 1\n"))
                .hasMessageContaining("too many words");
        assertThatThrownBy(() -> ControlRequest.parse("hold " + ID + "\ndeadline soon\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlRequest.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void answersAreOneLineAndReadBack() {
        assertThat(ControlAnswer.ok("held " + ID).encode()).isEqualTo("ok held " + ID + "\n");
        assertThat(ControlAnswer.noSuchMessage(ID).encode()).isEqualTo("no-such-message " + ID + "\n");
        ControlAnswer error = ControlAnswer.error("disk full\nwhile writing\r\nthe state");
        assertThat(error.encode()).isEqualTo("error disk full while writing the state\n");
        for (ControlAnswer a : new ControlAnswer[] {ControlAnswer.ok("flushed 3 message(s)"),
                ControlAnswer.noSuchMessage(ID), error}) {
            assertThat(ControlAnswer.parse(a.encode())).isEqualTo(a);
        }
        assertThatThrownBy(() -> ControlAnswer.parse("maybe done")).hasMessageContaining("not an answer");
        assertThatThrownBy(() -> ControlAnswer.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
