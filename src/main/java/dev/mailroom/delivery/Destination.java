package dev.mailroom.delivery;

import java.util.Locale;

/**
 * Where a recipient's copy goes next, as the {@link Router} decides (Postfix's transport). Recipients of one message
 * with the same destination are delivered together, in one transaction.
 */
public sealed interface Destination {

    /** The key that groups recipients and bounds concurrent deliveries to one place. */
    String key();

    /** A mailbox of a local domain: Maildir or LMTP ({@code [local]}). */
    record Local() implements Destination {
        @Override
        public String key() {
            return "local";
        }
    }

    /** The configured smarthost ({@code [relay]}): everything not local goes there. */
    record Smarthost() implements Destination {
        @Override
        public String key() {
            return "smarthost";
        }
    }

    /** The domain's MX hosts (RFC 5321 section 5.1). */
    record Mx(String domain) implements Destination {
        public Mx {
            domain = domain.toLowerCase(Locale.ROOT);
        }

        @Override
        public String key() {
            return "mx:" + domain;
        }
    }

    /** A static route: this host and port, whatever DNS says ({@code [delivery.routes]}). */
    record Host(String host, int port) implements Destination {
        @Override
        public String key() {
            return "host:" + host.toLowerCase(Locale.ROOT) + ":" + port;
        }
    }
}
