package dev.mailroom.envelope;

import dev.mailroom.address.Mailbox;
import java.util.List;

/**
 * The SMTP envelope of one message: who sent it, to whom, and the parameters to pass on.
 *
 * @param reversePath the MAIL FROM address, or null for the null reverse-path {@code <>}
 * @param parameters  MAIL FROM parameters
 * @param recipients  accepted recipients, in the order they were given
 */
public record Envelope(Mailbox reversePath, MailParameters parameters, List<Recipient> recipients) {
    public Envelope {
        recipients = List.copyOf(recipients);
    }

    /** The reverse-path as it goes between angle brackets: empty for the null sender. */
    public String reversePathText() {
        return reversePath == null ? "" : reversePath.address();
    }
}
