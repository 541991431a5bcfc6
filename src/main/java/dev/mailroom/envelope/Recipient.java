package dev.mailroom.envelope;

import dev.mailroom.address.Mailbox;
import java.util.Set;

/**
 * One envelope recipient with its DSN parameters (RFC 3461).
 *
 * @param mailbox  the forward-path (source route already stripped)
 * @param notifyOn NOTIFY= values; empty when the client gave none
 * @param orcpt    ORCPT= exactly as received ({@code addr-type;xtext}), or null
 */
public record Recipient(Mailbox mailbox, Set<DsnNotify> notifyOn, String orcpt) {
    public Recipient {
        notifyOn = Set.copyOf(notifyOn);
    }

    public static Recipient of(Mailbox mailbox) {
        return new Recipient(mailbox, Set.of(), null);
    }
}
