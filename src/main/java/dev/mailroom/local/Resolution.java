package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import dev.mailroom.address.Xtext;
import dev.mailroom.smtp.SmtpReply;
import java.util.List;

/**
 * What an envelope recipient of a local domain comes to. Every outcome keeps the recipient as the client
 * gave it, for ORCPT and the DSN Original-Recipient field (RFC 3461 section 4.2, RFC 3464 section 2.3.1).
 */
public sealed interface Resolution {

    /** The envelope recipient exactly as received. */
    Mailbox original();

    /** What the transfer listener answers to RCPT for this outcome. */
    SmtpReply reply();

    /**
     * The ORCPT value for the original recipient (RFC 3461 section 4.2): {@code rfc822;} and xtext, or for a
     * non-ASCII address {@code utf-8;} with RFC 6533's {@code \x{HEX}} escapes.
     */
    default String orcpt() {
        String address = original().address();
        if (original().isAscii()) {
            return "rfc822;" + Xtext.encode(address);
        }
        StringBuilder sb = new StringBuilder("utf-8;");
        address.codePoints().forEach(cp -> {
            // RFC 6533 section 3 utf-8-addr-xtext: "+", "=", "\", controls and space are escaped.
            if (cp <= 0x20 || cp == '+' || cp == '=' || cp == '\\' || cp == 0x7f) {
                sb.append("\\x{").append(Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT)).append('}');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** Deliver to these destinations (never empty, no duplicates, in expansion order). */
    record Resolved(Mailbox original, List<Destination> destinations) implements Resolution {
        public Resolved {
            destinations = List.copyOf(destinations);
            if (destinations.isEmpty()) {
                throw new IllegalArgumentException("a resolved recipient needs a destination");
            }
        }

        @Override
        public SmtpReply reply() {
            return SmtpReply.of(250, "2.1.5", "OK");
        }
    }

    /** No such user, alias or catch-all. */
    record Unknown(Mailbox original) implements Resolution {
        @Override
        public SmtpReply reply() {
            // RFC 5321 section 3.3 and RFC 3463 X.1.1: bad destination mailbox address.
            return SmtpReply.of(550, "5.1.1", "No such user here");
        }
    }

    /**
     * The address exists but cannot be resolved: an alias loop or too deep a chain (554 5.4.6), an alias
     * target that names no mailbox (550 5.1.1), or a user directory that cannot be read (451 4.3.0).
     *
     * @param reason for the log, may name alias targets (the reply does not)
     */
    record Failed(Mailbox original, SmtpReply reply, String reason) implements Resolution {
    }
}
