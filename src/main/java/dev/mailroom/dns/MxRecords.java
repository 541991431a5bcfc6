package dev.mailroom.dns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;

/** The rules that turn a domain's MX record set into the hosts to try. */
final class MxRecords {
    private MxRecords() {
    }

    /**
     * RFC 7505 section 3: a null MX is a single MX record with preference 0 and the root as its target.
     * ("." among other MX records is not a null MX; it is merely a target without address.)
     */
    static boolean isNullMx(List<MXRecord> mx) {
        return mx.size() == 1 && mx.getFirst().getPriority() == 0 && mx.getFirst().getTarget().equals(Name.root);
    }

    /**
     * Whether a target can name a mail host at all: not the root (RFC 7505), and not an IP address written as a
     * name: an MX target must be a domain name (RFC 5321 section 5.1; RFC 1035 section 3.3.9).
     */
    static boolean isUsableTarget(Name target) {
        if (target.equals(Name.root)) {
            return false;
        }
        String text = target.toString(true);
        return !AddressLiterals.isDottedQuad(text) && !text.startsWith("[") && text.indexOf(':') < 0;
    }

    /**
     * The order to try MX hosts in: ascending preference, and a random order among hosts of equal preference so
     * that senders spread their load (RFC 5321 section 5.1).
     */
    static <T> List<T> inDeliveryOrder(List<T> items, java.util.function.ToIntFunction<T> preference, RandomGenerator random) {
        Map<Integer, List<T>> byPreference = new TreeMap<>(Comparator.naturalOrder());
        for (T item : items) {
            byPreference.computeIfAbsent(preference.applyAsInt(item), p -> new ArrayList<>()).add(item);
        }
        List<T> ordered = new ArrayList<>(items.size());
        for (List<T> equal : byPreference.values()) {
            Collections.shuffle(equal, random);
            ordered.addAll(equal);
        }
        return ordered;
    }
}
