package dev.mailroom.transfer;

import dev.mailroom.address.PathParser;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/** The host name of a connecting client, for the Received field (RFC 5321 section 4.4, TCP-info). */
@FunctionalInterface
public interface ClientNames {

    /** The client's name when its reverse DNS name resolves back to its address; empty otherwise. */
    Optional<String> verifiedName(InetAddress address);

    /**
     * The system resolver. {@link InetAddress#getCanonicalHostName()} looks up the PTR name and accepts it
     * only if that name resolves back to the same address (else it returns the address itself), so a
     * client cannot put just any name into our trace field by controlling its own reverse zone.
     */
    static ClientNames system() {
        return address -> {
            String name = address.getCanonicalHostName();
            if (name.equals(address.getHostAddress()) || !PathParser.isValidDomain(name, false)) {
                return Optional.empty();
            }
            return Optional.of(name.toLowerCase(Locale.ROOT));
        };
    }
}
