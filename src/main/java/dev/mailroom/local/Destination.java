package dev.mailroom.local;

import dev.mailroom.address.Mailbox;

/** Where a resolved recipient's copy goes. */
public sealed interface Destination {

    /**
     * A local user's mailbox.
     *
     * @param mailbox the user, canonical (unquoted where possible, lower case, A-label domain): the name the
     *                users file knows and the {@code Delivered-To} of the stored copy
     * @param detail  what followed the plus-address separator ({@code tag} of {@code user+tag@domain}), or
     *                null; kept for a later folder rule, not used for delivery now
     */
    record Local(Mailbox mailbox, String detail) implements Destination {
    }

    /** An address elsewhere, reached by an alias: the message is relayed there. */
    record Remote(Mailbox address) implements Destination {
    }
}
