package dev.mailroom.delivery;

import dev.mailroom.queue.RecipientState.Outcome;

/** What the scheduler reports about delivery attempts for operators (the metrics). Called on delivery threads. */
public interface DeliveryObserver {
    /** Reports nothing. */
    DeliveryObserver NONE = (destination, outcome) -> { };

    /** One recipient's attempt at this destination ended with this outcome (PENDING: deferred). */
    void attempted(Destination destination, Outcome outcome);
}
