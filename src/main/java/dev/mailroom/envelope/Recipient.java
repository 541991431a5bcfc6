package dev.mailroom.envelope;

import dev.mailroom.address.Mailbox;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * One envelope recipient with its DSN parameters (RFC 3461).
 *
 * @param mailbox  the forward-path (source route already stripped)
 * @param notifyParam NOTIFY= exactly as received (already validated), or null when the client gave none; kept
 *                 verbatim because a relay passes it on unchanged (RFC 3461 section 5.2.1, DSN-04)
 * @param orcpt    ORCPT= exactly as received ({@code addr-type;xtext}), or null
 */
public record Recipient(Mailbox mailbox, String notifyParam, String orcpt) {

    public static Recipient of(Mailbox mailbox) {
        return new Recipient(mailbox, null, null);
    }

    /** The NOTIFY values; empty when none was given. */
    public Set<DsnNotify> notifyOn() {
        Set<DsnNotify> set = EnumSet.noneOf(DsnNotify.class);
        if (notifyParam != null) {
            for (String v : notifyParam.split(",")) {
                set.add(DsnNotify.valueOf(v.toUpperCase(Locale.ROOT)));
            }
        }
        return set;
    }

    public Recipient withMailbox(Mailbox other) {
        return new Recipient(other, notifyParam, orcpt);
    }
}
