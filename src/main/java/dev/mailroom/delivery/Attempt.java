package dev.mailroom.delivery;

import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.smtp.SmtpReply;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param outcome   PENDING for a transient failure, FAILED for a permanent one, RELAYED or DELIVERED on success
 * @param reply     the reply that decided it (a remote server's, or one Mailroom made up for DNS or connection failures)
 * @param remoteMta the host that answered, or null when none did
 */
public record Attempt(Outcome outcome, SmtpReply reply, String remoteMta) {

    /** Classifies a remote reply: 2xx is success (with the given outcome), 5xx final, 4xx retried. */
    public static Attempt of(SmtpReply reply, String remoteMta, Outcome onSuccess) {
        Outcome o = reply.isPositive() ? onSuccess : reply.isPermanent() ? Outcome.FAILED : Outcome.PENDING;
        return new Attempt(o, reply, remoteMta);
    }
}
