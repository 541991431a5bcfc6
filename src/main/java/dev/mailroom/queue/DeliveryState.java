package dev.mailroom.queue;

import java.time.Instant;
import java.util.Set;

/**
 * How far delivery of one message has come.
 *
 * @param attempts     delivery attempts so far
 * @param nextAttempt  not before this time
 * @param done         indexes (into the envelope's recipients) that are finished: delivered or failed for good
 * @param lastError    the last transient error, for the queue listing
 */
public record DeliveryState(int attempts, Instant nextAttempt, Set<Integer> done, String lastError) {
    public DeliveryState {
        done = Set.copyOf(done);
    }

    public static DeliveryState fresh(Instant now) {
        return new DeliveryState(0, now, Set.of(), null);
    }
}
