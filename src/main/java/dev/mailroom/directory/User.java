package dev.mailroom.directory;

import dev.mailroom.sasl.ScramCredentials;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One account of the users file. {@code senders} and {@code sendAs} hold addresses ({@code local@domain})
 * or whole-domain grants ({@code @domain}), with domains stored in lower case.
 */
public record User(String name, String passwordHash, Optional<ScramCredentials> scram,
                   Set<String> senders, Set<String> sendAs) {

    public User {
        senders = Set.copyOf(senders);
        sendAs = Set.copyOf(sendAs);
    }

    /**
     * The user's right to use {@code address}. Domains compare case-insensitively (RFC 5321 section 2.4);
     * local-parts compare exactly, because RFC 5321 section 2.4 lets the destination treat them as
     * case-sensitive, and granting {@code Bob@x} to the owner of {@code bob@x} could hand over someone
     * else's mailbox. This matches {@code Mailbox.key()}. The null sender {@code <>} is not an address and
     * gets NONE; MAIL FROM:<> is the submission policy's decision (MSA-04).
     */
    public SenderRight rightFor(String address) {
        String key = normalize(address);
        if (key == null) {
            return SenderRight.NONE;
        }
        if (grants(senders, key) || (name.contains("@") && key.equals(normalize(name)))) {
            return SenderRight.OWN;
        }
        return grants(sendAs, key) ? SenderRight.ON_BEHALF : SenderRight.NONE;
    }

    private static boolean grants(Set<String> grants, String key) {
        return grants.contains(key) || grants.contains(key.substring(key.lastIndexOf('@')));
    }

    /** {@code local@domain} with the domain lower-cased, or null if there is no '@' or an empty part. */
    static String normalize(String address) {
        if (address == null) {
            return null;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            return null;
        }
        return address.substring(0, at) + "@" + address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** The hash stays out of logs and exception messages. */
    @Override
    public String toString() {
        return "User[" + name + ", senders=" + senders + ", sendAs=" + sendAs + ", scram=" + scram.isPresent() + "]";
    }
}
