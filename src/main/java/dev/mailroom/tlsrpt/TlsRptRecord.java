package dev.mailroom.tlsrpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code _smtp._tls.DOMAIN} TXT record (RFC 8460 section 3): {@code v=TLSRPTv1; rua=mailto:tlsrpt@example.com}
 * with one or more {@code mailto:} or {@code https:} addresses, comma-separated.
 *
 * @param rua where reports go, in the record's order
 */
public record TlsRptRecord(List<String> rua) {
    private static final String VERSION = "v=TLSRPTv1";

    public TlsRptRecord {
        rua = List.copyOf(rua);
    }

    /** Records not starting with {@code v=TLSRPTv1} are discarded; unless exactly one remains and is valid, none. */
    public static Optional<TlsRptRecord> select(List<String> txtRecords) {
        List<String> candidates = txtRecords.stream().filter(t -> t.startsWith(VERSION)).toList();
        return candidates.size() == 1 ? parse(candidates.getFirst()) : Optional.empty();
    }

    public static Optional<TlsRptRecord> parse(String text) {
        if (!text.startsWith(VERSION)) {
            return Optional.empty();
        }
        String[] fields = text.substring(VERSION.length()).split(";", -1);
        if (fields.length < 2 || !fields[0].isBlank()) {
            return Optional.empty();
        }
        List<String> rua = null;
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i].strip();
            if (f.isEmpty() && i == fields.length - 1 && i > 1) {
                break;
            }
            int eq = f.indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            if (f.substring(0, eq).equals("rua")) {
                if (rua != null) {
                    return Optional.empty();
                }
                rua = new ArrayList<>();
                for (String uri : f.substring(eq + 1).split(",", -1)) {
                    String u = uri.strip();
                    if (!(u.startsWith("mailto:") && u.length() > 7 && u.indexOf('@') > 7)
                            && !(u.startsWith("https://") && u.length() > 8)) {
                        return Optional.empty();
                    }
                    rua.add(u);
                }
            }
            // other fields are extensions: ignored
        }
        return rua == null ? Optional.empty() : Optional.of(new TlsRptRecord(rua));
    }
}
