package dev.mailroom.dns;

import java.util.List;

/** The TXT records at one name, each record's strings joined into one text (RFC 8461 section 3.1, RFC 8460 section 3). */
public sealed interface TxtAnswer {

    /** The records found, in the order the server gave them. */
    record Found(List<String> texts) implements TxtAnswer {
        public Found {
            texts = List.copyOf(texts);
        }
    }

    /** The name does not exist or has no TXT records. */
    record None() implements TxtAnswer {
    }

    /** DNS did not answer usefully (SERVFAIL, time-out). */
    record Failed(String reason) implements TxtAnswer {
    }
}
