package dev.mailroom.submission;

import dev.mailroom.address.Mailbox;

/**
 * RFC 6409 section 4.2: every domain that leaves the MSA is fully qualified. A missing domain is completed
 * with the configured domain (or refused, by configuration); a single-label domain such as {@code intranet}
 * is refused (unless it is one of the site's own local domains): guessing which site it meant is what
 * section 4.2 warns against.
 */
final class Qualification {
    private final SubmissionSettings settings;

    Qualification(SubmissionSettings settings) {
        this.settings = settings;
    }

    /** The address fully qualified, or null if it cannot be (the caller picks the reply). */
    Mailbox qualify(Mailbox m) {
        if (m.domain() == null) {
            if (m.localPart().equalsIgnoreCase("postmaster") || settings.unqualified() == UnqualifiedAddresses.COMPLETE) {
                return m.withDomain(settings.defaultDomain());
            }
            return null;
        }
        if (m.domain().startsWith("[")) {
            return m; // an address literal is fully specified
        }
        // A domain this site declares as its own is qualified by definition, even a single label.
        return m.domain().indexOf('.') < 0 && !settings.localDomains().contains(m.domainKey()) ? null : m;
    }
}
