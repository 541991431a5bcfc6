package dev.mailroom.address;

import java.util.Locale;

/**
 * An RFC 5321 mailbox: local-part and domain exactly as the client sent them (the local-part keeps its
 * case and, when quoted, its quotes: RFC 5321 section 2.4 leaves it to the destination). The domain is
 * either a DNS name or an address literal such as {@code [192.0.2.1]}; it is null only for an unqualified
 * address (a bare local-part), which the submission policy completes or rejects (RFC 6409 section 4.2).
 */
public record Mailbox(String localPart, String domain) {

    public Mailbox {
        if (localPart == null || localPart.isEmpty()) {
            throw new IllegalArgumentException("empty local-part");
        }
    }

    public boolean isQualified() {
        return domain != null;
    }

    /** The domain in lower case, for comparisons (domains are case-insensitive, RFC 5321 section 2.4). */
    public String domainKey() {
        return domain == null ? null : domain.toLowerCase(Locale.ROOT);
    }

    public Mailbox withDomain(String newDomain) {
        return new Mailbox(localPart, newDomain);
    }

    /** The address as it goes into a path: {@code local@domain}, or the bare local-part. */
    public String address() {
        return domain == null ? localPart : localPart + "@" + domain;
    }

    /** local@domain with the domain lower-cased: the key for looking up submission rights. */
    public String key() {
        return domain == null ? localPart : localPart + "@" + domainKey();
    }

    public boolean isAscii() {
        return address().chars().allMatch(c -> c < 128);
    }

    @Override
    public String toString() {
        return address();
    }
}
