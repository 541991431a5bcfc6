package dev.mailroom.dkim;

import dev.mailroom.message.HeaderField;
import dev.mailroom.message.HeaderSection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which header fields a signature covers (the h= tag), and the header data that is hashed for them.
 *
 * <p>The names are signed in the configured order; a name is listed as often as the field occurs, and the fields
 * that may occur only once (RFC 5322 section 3.6, plus the MIME fields of RFC 2045) once more than that, so that
 * adding one after signing breaks the signature (over-signing, RFC 6376 sections 5.4 and 5.4.2, DKIM-07). A name
 * for an absent field counts as the null string, so an over-signed absent Cc: keeps anyone from adding one.
 */
public final class SignedHeaders {

    /** RFC 6376 section 5.4 and 5.4.1 (DKIM-06): the fields that make up what a reader sees and trusts. */
    public static final List<String> DEFAULT = List.of("From", "Reply-To", "Subject", "Date", "To", "Cc",
            "In-Reply-To", "References", "Message-ID", "Sender", "MIME-Version", "Content-Type",
            "Content-Transfer-Encoding", "Content-ID", "Content-Description", "Resent-Date", "Resent-From",
            "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Message-ID", "List-Id", "List-Help",
            "List-Unsubscribe", "List-Unsubscribe-Post", "List-Subscribe", "List-Post", "List-Owner", "List-Archive");

    /**
     * Fields that may appear once in a message: over-signed. Resent-* and List-* are not, as forwarders and lists
     * legitimately add them.
     */
    private static final Set<String> SINGLE_INSTANCE = Set.of("from", "sender", "reply-to", "to", "cc", "bcc",
            "subject", "date", "message-id", "in-reply-to", "references", "mime-version", "content-type",
            "content-transfer-encoding");

    /**
     * Never signed (RFC 6376 section 5.4 and 5.4.1, DKIM-05): the signature itself, and fields that transport adds
     * or changes on the way (Return-Path, Received) or that readers may legitimately change (Comments, Keywords).
     */
    private static final Set<String> NEVER = Set.of("dkim-signature", "received", "return-path", "comments", "keywords");

    private SignedHeaders() {
    }

    /**
     * Checks a configured list of names.
     *
     * @throws IllegalArgumentException with the reason: no From (RFC 6376 section 5.4 MUST), a name that must not be
     *                                  signed, a duplicate or a name that is not a field name
     */
    public static void check(List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name.isEmpty() || !name.chars().allMatch(c -> c >= 33 && c <= 126 && c != ':')) {
                throw new IllegalArgumentException("not a header field name: \"" + name + "\"");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (NEVER.contains(lower)) {
                throw new IllegalArgumentException(name + " must not be signed (RFC 6376 section 5.4)");
            }
            if (!seen.add(lower)) {
                throw new IllegalArgumentException(name + " is listed twice");
            }
        }
        if (!seen.contains("from")) {
            throw new IllegalArgumentException("must contain From (RFC 6376 section 5.4)");
        }
    }

    /** The h= list for this header section: lower-case names, repeated as the fields occur, singletons once more. */
    static List<String> select(HeaderSection header, List<String> names) {
        List<String> h = new ArrayList<>();
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            int times = header.count(name) + (SINGLE_INSTANCE.contains(lower) ? 1 : 0);
            for (int i = 0; i < times; i++) {
                h.add(lower);
            }
        }
        return List.copyOf(h);
    }

    /**
     * The header part of the data to sign (RFC 6376 section 5.4.2): for each name of h=, the next instance of that
     * field counting from the bottom, canonicalized; nothing for a name whose instances are used up.
     */
    static byte[] data(HeaderSection header, List<String> h, Canonicalization canonicalization) {
        Map<String, Integer> used = new HashMap<>();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024);
        for (String name : h) {
            List<HeaderField> instances = header.all(name);
            int n = used.merge(name.toLowerCase(Locale.ROOT), 1, Integer::sum);
            if (n <= instances.size()) {
                out.writeBytes(canonicalization.header(instances.get(instances.size() - n).raw()));
            }
        }
        return out.toByteArray();
    }
}
