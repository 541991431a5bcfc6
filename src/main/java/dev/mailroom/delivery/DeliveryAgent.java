package dev.mailroom.delivery;

import dev.mailroom.queue.StoredMessage;
import java.util.List;
import java.util.Map;

/**
 * Delivers one message to some of its recipients, all with the same destination (Postfix's delivery agents:
 * smtp, lmtp, local). The scheduler owns the queue state; an agent only reports what happened.
 */
public interface DeliveryAgent {

    /**
     * @param recipients indexes into the message's envelope recipients, all routed to {@code destination}
     * @return an attempt for every index given; never throws for a failed delivery, which is an attempt too
     */
    Map<Integer, Attempt> deliver(StoredMessage message, List<Integer> recipients, Destination destination);
}
