package dev.mailroom.local;

import dev.mailroom.address.Mailbox;

/**
 * One right-hand-side address of an alias.
 *
 * @param address  the target; its domain is null when written without one, and then means the domain of
 *                 the address being resolved (so {@code postmaster: root} works in every local domain)
 * @param verbatim written with a leading backslash ({@code \bob}): deliver to that mailbox without looking
 *                 it up as an alias again (sendmail's and Postfix's meaning)
 * @param line     where it was written, for messages
 */
public record AliasTarget(Mailbox address, boolean verbatim, int line) {

    /** The target with its domain filled in from the address being resolved. */
    public Mailbox qualifiedIn(String domain) {
        return address.isQualified() ? address : address.withDomain(domain);
    }
}
