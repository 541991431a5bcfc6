package dev.mailroom.sasl;

import java.util.List;
import java.util.Locale;

/** The mechanisms Mailroom implements, and a factory for one exchange of each. */
public final class SaslMechanisms {

    private static final List<String> SUPPORTED = List.of("PLAIN", "LOGIN", "SCRAM-SHA-256");

    private SaslMechanisms() {
    }

    /**
     * Names the server may offer. The SMTP engine still filters this list per listener: PLAIN and LOGIN
     * only over TLS (AUTH-01, SASL-03, SASL-05).
     */
    public static List<String> supported() {
        return SUPPORTED;
    }

    /**
     * A fresh mechanism for one AUTH command, or null if the name is unknown (the engine replies 504,
     * AUTH-07). Names compare case-insensitively, as SMTP keywords do (RFC 5321 section 2.4).
     */
    public static SaslMechanism create(String name, CredentialStore store) {
        if (name == null) {
            return null;
        }
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> new PlainMechanism(store);
            case "LOGIN" -> new LoginMechanism(store);
            case "SCRAM-SHA-256" -> new ScramSha256Mechanism(store);
            default -> null;
        };
    }
}
