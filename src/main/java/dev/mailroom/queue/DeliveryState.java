package dev.mailroom.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How far delivery of one message has come: one {@link RecipientState} per envelope recipient, in envelope
 * order, plus what the scheduler needs for the message as a whole.
 *
 * @param attempts      delivery attempts so far
 * @param nextAttempt   not before this time
 * @param recipients    per envelope recipient, same order and size as the envelope's
 * @param held          put on hold by the operator: not delivered until released
 * @param delayNotified the sender has been sent a delay notice already (only one is sent)
 */
public record DeliveryState(int attempts, Instant nextAttempt, List<RecipientState> recipients, boolean held,
                            boolean delayNotified) {
    public DeliveryState {
        recipients = List.copyOf(recipients);
    }

    public static DeliveryState fresh(Instant now, int recipientCount) {
        return new DeliveryState(0, now, Collections.nCopies(recipientCount, RecipientState.FRESH), false, false);
    }

    /** Indexes of the recipients still to be delivered. */
    public List<Integer> pending() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            if (!recipients.get(i).outcome().finished()) {
                out.add(i);
            }
        }
        return out;
    }

    public boolean finished() {
        return recipients.stream().allMatch(r -> r.outcome().finished());
    }

    public DeliveryState withRecipient(int index, RecipientState state) {
        List<RecipientState> copy = new ArrayList<>(recipients);
        copy.set(index, state);
        return new DeliveryState(attempts, nextAttempt, copy, held, delayNotified);
    }

    public DeliveryState withAttempt(int attempts, Instant nextAttempt) {
        return new DeliveryState(attempts, nextAttempt, recipients, held, delayNotified);
    }

    public DeliveryState withHeld(boolean held) {
        return new DeliveryState(attempts, nextAttempt, recipients, held, delayNotified);
    }

    public DeliveryState withDelayNotified() {
        return new DeliveryState(attempts, nextAttempt, recipients, held, true);
    }

    /** The last transient reply of any pending recipient, for listings ("why is it still here?"). */
    public String lastError() {
        for (RecipientState r : recipients) {
            if (!r.outcome().finished() && r.reply() != null) {
                return r.reply().toString();
            }
        }
        return null;
    }
}
