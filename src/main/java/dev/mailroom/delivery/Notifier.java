package dev.mailroom.delivery;

import dev.mailroom.queue.DeliveryState;
import dev.mailroom.queue.StoredMessage;
import java.io.IOException;

/**
 * Told of every change of a message's delivery state, before it is saved: the place where delivery status
 * notifications (bounces, delay notices, success notices) are written (Postfix's bounce(8)).
 */
public interface Notifier {

    /** Sends nothing. */
    Notifier NONE = (message, before, after) -> after;

    /**
     * @return the state to save: {@code after}, or {@code after} with what the notifier must remember (that a
     *         delay notice went out)
     */
    DeliveryState changed(StoredMessage message, DeliveryState before, DeliveryState after) throws IOException;
}
