package dev.mailroom.sink;

import dev.mailroom.smtp.SmtpReply;
import java.util.List;

/**
 * How the sink answers. Every method has an accepting default, so a test overrides only what it scripts,
 * e.g. a counter that answers 451 to the first two messages and 250 afterwards, or a 550 for one address.
 * Methods are called from the connection threads, possibly concurrently: keep state thread-safe.
 *
 * <p>Replies are written as given; when the sink does not offer ENHANCEDSTATUSCODES the enhanced code is
 * left off the wire.
 */
public interface Behaviour {

    /** Accepts everything. */
    Behaviour ACCEPT_ALL = new Behaviour() {};

    /**
     * The greeting; anything but 220 makes the sink close after sending it (RFC 5321 section 3.1).
     *
     * @param hostname the sink's configured host name
     */
    default SmtpReply onConnect(String hostname) {
        return SmtpReply.plain(220, hostname + " ESMTP Mailroom sink ready");
    }

    /** @param from the reverse-path between the angle brackets; @param params raw {@code KEY=VALUE} words */
    default SmtpReply onMail(String from, List<String> params) {
        return SmtpReply.of(250, "2.1.0", "sender <" + from + "> ok");
    }

    /** A refused recipient is not part of the message's recipients. */
    default SmtpReply onRcpt(String to, List<String> params) {
        return SmtpReply.of(250, "2.1.5", "recipient <" + to + "> ok");
    }

    /**
     * The content has arrived (after the dot, or the BDAT LAST chunk). Only a 2xx here makes the sink
     * record the message.
     */
    default SmtpReply onData(ReceivedMessage message) {
        return SmtpReply.of(250, "2.0.0", "message accepted, " + message.data().length + " octets");
    }
}
