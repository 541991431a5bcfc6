package dev.mailroom.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NotifyPolicyTest {

    static final Mailbox BOB = new Mailbox("bob", "remote.example");
    static final Mailbox POSTMASTER = new Mailbox("postmaster", "example.org");

    static Recipient bob(String notify) {
        return new Recipient(BOB, notify.equals("-") ? null : notify, null);
    }

    /** RFC 3461 section 4.1, one row per NOTIFY value: failure, delay, success. */
    @ParameterizedTest(name = "NOTIFY={0}")
    @CsvSource(delimiter = '|', value = {
        "-                     | true  | true  | false",
        "NEVER                 | false | false | false",
        "never                 | false | false | false",
        "FAILURE               | true  | false | false",
        "DELAY                 | false | true  | false",
        "SUCCESS               | false | false | true",
        "FAILURE,DELAY         | true  | true  | false",
        "SUCCESS,FAILURE       | true  | false | true",
        "SUCCESS,FAILURE,DELAY | true  | true  | true",
        "Delay,Success         | false | true  | true",
    })
    void notifyTable(String notify, boolean failure, boolean delay, boolean success) {
        Recipient r = bob(notify);
        assertThat(NotifyPolicy.shouldNotify(r, NotificationKind.FAILURE)).as("failure").isEqualTo(failure);
        assertThat(NotifyPolicy.shouldNotify(r, NotificationKind.DELAY)).as("delay").isEqualTo(delay);
        assertThat(NotifyPolicy.shouldNotify(r, NotificationKind.SUCCESS)).as("success").isEqualTo(success);
    }

    /** Who gets the notice: never the null reverse path; a double bounce only when configured. */
    @ParameterizedTest(name = "sender={0} NOTIFY={1} {2} postmaster={3}")
    @CsvSource(delimiter = '|', value = {
        "alice@example.com | -       | FAILURE | -                      | SEND_TO_SENDER",
        "alice@example.com | -       | DELAY   | -                      | SEND_TO_SENDER",
        "alice@example.com | -       | SUCCESS | -                      | NOT_REQUESTED",
        "alice@example.com | NEVER   | FAILURE | postmaster@example.org | NOT_REQUESTED",
        "alice@example.com | SUCCESS | SUCCESS | -                      | SEND_TO_SENDER",
        "<>                | -       | FAILURE | -                      | DISCARD_AND_LOG",
        "<>                | -       | FAILURE | postmaster@example.org | DOUBLE_BOUNCE",
        "<>                | -       | DELAY   | postmaster@example.org | DISCARD_AND_LOG",
        "<>                | SUCCESS | SUCCESS | postmaster@example.org | DISCARD_AND_LOG",
        "<>                | NEVER   | FAILURE | postmaster@example.org | NOT_REQUESTED",
    })
    void decisions(String sender, String notify, NotificationKind kind, String postmaster, NotifyDecision expected) {
        Mailbox reversePath = sender.equals("<>") ? null : mailbox(sender);
        Envelope envelope = new Envelope(reversePath, MailParameters.NONE, List.of(bob(notify)));
        Mailbox doubleBounceTo = postmaster.equals("-") ? null : mailbox(postmaster);
        assertThat(NotifyPolicy.decide(envelope, bob(notify), kind, doubleBounceTo)).isEqualTo(expected);
    }

    @Test
    void aFailedDoubleBounceToThePostmasterIsNotBouncedAgain() {
        Recipient toPostmaster = Recipient.of(new Mailbox("postmaster", "EXAMPLE.org"));
        Envelope doubleBounce = new Envelope(null, MailParameters.NONE, List.of(toPostmaster));
        assertThat(NotifyPolicy.decide(doubleBounce, toPostmaster, NotificationKind.FAILURE, POSTMASTER))
                .isEqualTo(NotifyDecision.DISCARD_AND_LOG);
    }

    @Test
    void kindOfAMixedReportIsTheWorstOutcome() {
        var now = java.time.Instant.EPOCH;
        var failed = RecipientReport.failed(bob("-"), "5.0.0", "x", now);
        var delayed = RecipientReport.delayed(bob("-"), null, null, "x", now, now);
        var delivered = new RecipientReport(bob("-"), DsnAction.DELIVERED, "2.0.0", null, null, null, now, null);
        assertThat(NotificationKind.of(List.of(delivered, delayed))).isEqualTo(NotificationKind.DELAY);
        assertThat(NotificationKind.of(List.of(delivered, failed, delayed))).isEqualTo(NotificationKind.FAILURE);
        assertThat(NotificationKind.of(List.of(delivered))).isEqualTo(NotificationKind.SUCCESS);
    }

    private static Mailbox mailbox(String address) {
        int at = address.indexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }
}
