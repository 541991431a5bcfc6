package dev.mailroom.dns;

import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** What one lookup of a name and type came to, after any CNAMEs were followed. */
sealed interface Answer {

    /** Records of the asked type, owned by {@code canonicalName} (the end of any CNAME chain); never empty. */
    record Data(Name canonicalName, List<Record> records) implements Answer {
        public Data {
            records = List.copyOf(records);
        }
    }

    /** The name exists but has no records of the asked type (NOERROR with an empty answer: "NODATA"). */
    record NoData(Name canonicalName) implements Answer {
    }

    /** The name does not exist (RCODE 3, NXDOMAIN). */
    record NxDomain(Name canonicalName) implements Answer {
    }

    /** No usable answer this time: SERVFAIL, REFUSED, a time-out, a CNAME loop. */
    record Failure(String reason) implements Answer {
    }
}
