package dev.mailroom.dns;

import java.util.List;
import org.xbill.DNS.TLSARecord;

/**
 * What the TLSA lookup for one service ({@code _port._tcp.host}, RFC 6698 section 3) came to, with DNSSEC's verdict.
 * Whether the records mean anything is DANE's business (RFC 7672 section 2.2): only secure answers count.
 */
public sealed interface TlsaAnswer {

    /** TLSA records exist; {@code secure} when DNSSEC validated them. Never empty. */
    record Records(List<TLSARecord> records, boolean secure) implements TlsaAnswer {
        public Records {
            records = List.copyOf(records);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("a TLSA answer with records needs at least one");
            }
        }
    }

    /** No TLSA records (NODATA or NXDOMAIN); {@code secure} when DNSSEC proved their absence (NSEC/NSEC3). */
    record NoRecords(boolean secure) implements TlsaAnswer {
    }

    /** The lookup failed ({@link DnssecStatus#INDETERMINATE}) or its answer was forged ({@link DnssecStatus#BOGUS}). */
    record Failed(DnssecStatus status, String reason) implements TlsaAnswer {
    }
}
