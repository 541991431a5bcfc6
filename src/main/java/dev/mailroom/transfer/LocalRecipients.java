package dev.mailroom.transfer;

import dev.mailroom.address.Mailbox;
import java.io.IOException;

/**
 * Which addresses at the local domains have somewhere to go: a user or an alias. The transfer policy asks
 * before it accepts a RCPT (RFC 5321 section 3.3: a server that knows a mailbox does not exist says so at
 * RCPT with 550, rather than accepting the message and bouncing it later).
 *
 * <p>postmaster and abuse are not asked about: every local domain has them (RFC 5321 section 4.5.1, RFC 2142).
 */
@FunctionalInterface
public interface LocalRecipients {

    /**
     * @param mailbox an address at one of the local domains; its local part as the client sent it, with
     *                quotes removed where they were not needed ({@code "alice"} is {@code alice})
     * @throws IOException the directory cannot answer just now: the client gets 451 4.3.0 and retries
     */
    boolean exists(Mailbox mailbox) throws IOException;
}
