package dev.mailroom.dns;

/**
 * How DNSSEC validation judged an answer, in the terms of RFC 4033 section 5 and RFC 4035 section 4.3.
 *
 * <p>The constants are ordered from best to worst, so that the status of an answer built from several lookups (a
 * CNAME chain, the A and AAAA records of one host) is the worst of theirs: {@link #weakest}.
 */
public enum DnssecStatus {
    /** Validated from a trust anchor: the records, or the proof that there are none, are authentic. */
    SECURE,
    /** Provably not signed (no DS at a delegation, or outside every trust anchor); also every answer when validation is off. */
    INSECURE,
    /** The lookup failed (time-out, SERVFAIL, REFUSED), so nothing is known about its security. */
    INDETERMINATE,
    /** Signed, but the signatures or the chain of trust do not check out: possibly forged, never to be used. */
    BOGUS;

    /** The worse of the two: one insecure link makes a chain insecure, one bogus link makes it bogus. */
    public DnssecStatus weakest(DnssecStatus other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
