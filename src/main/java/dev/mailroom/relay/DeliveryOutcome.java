package dev.mailroom.relay;

import dev.mailroom.smtp.SmtpReply;
import java.util.Map;

/**
 * The result of one delivery attempt, per recipient index (into the envelope): the reply that settled it.
 * A recipient missing from the map was not reached (connection or session failure): try again later.
 *
 * @param replies   recipient index to its final reply (2xx delivered, 5xx failed, 4xx retry)
 * @param sessionError a reason the whole attempt failed, or null
 */
record DeliveryOutcome(Map<Integer, SmtpReply> replies, String sessionError) {
}
