package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.smtp.SmtpReply;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateFormatTest {
    private static final Instant T0 = Instant.ofEpochMilli(1_764_400_000_000L);
    private static final Instant T1 = T0.plusSeconds(300);

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        DeliveryState state = new DeliveryState(4, T1, List.of(
                new RecipientState(Outcome.FAILED, SmtpReply.of(550, "5.1.1", "No such user"), "mx1.example.org", T0),
                new RecipientState(Outcome.PENDING, new SmtpReply(451, "4.3.0", List.of("Try later", "", "really")),
                        null, T1),
                RecipientState.FRESH,
                new RecipientState(Outcome.RELAYED, SmtpReply.plain(250, "Ok: queued as 12345"), "relay.example", T1),
                new RecipientState(Outcome.DELIVERED, null, null, T1)), true, true);
        String text = StateFormat.encode(state);
        assertThat(StateFormat.decode(text, T0, 5)).isEqualTo(state);
        assertThat(text).contains("rcpt 0 FAILED 1764400000000 mx1.example.org 550 5.1.1 No such user\n")
                .doesNotContain("rcpt 2 ")
                .contains("held\n", "delay-notified\n");
    }

    @Test
    void aMissingFileMeansNothingTriedAndOldDoneLinesMeanFinished() {
        assertThat(StateFormat.decode("", T0, 2)).isEqualTo(DeliveryState.fresh(T0, 2));
        DeliveryState old = StateFormat.decode("attempts 2\nnext 1764400300000\ndone 1\nerror 451 4.3.0 x\n", T0, 2);
        assertThat(old.attempts()).isEqualTo(2);
        assertThat(old.nextAttempt()).isEqualTo(T1);
        assertThat(old.pending()).containsExactly(0);
        assertThat(old.recipients().get(1).outcome()).isEqualTo(Outcome.DELIVERED);
    }

    @Test
    void unknownKeysAreSkippedAndBrokenLinesRefused() {
        assertThat(StateFormat.decode("attempts 1\nfuture-key 7\n", T0, 1).attempts()).isEqualTo(1);
        assertThatThrownBy(() -> StateFormat.decode("rcpt 5 FAILED - - -\n", T0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> StateFormat.decode("rcpt 0 FAILED -\n", T0, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StateFormat.decode("rcpt 0 GONE - - -\n", T0, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tabsAndOddHostNamesCannotBreakTheLineFormat() {
        DeliveryState state = DeliveryState.fresh(T0, 1).withRecipient(0, new RecipientState(Outcome.PENDING,
                SmtpReply.of(421, "4.4.2", "a\tb"), "bad host", T0));
        DeliveryState back = StateFormat.decode(StateFormat.encode(state), T0, 1);
        assertThat(back.recipients().getFirst().reply().lines()).containsExactly("a b");
        assertThat(back.recipients().getFirst().remoteMta()).isEqualTo("bad_host");
    }
}
