package dev.mailroom.sasl;

/**
 * One server-side SASL exchange (RFC 4422). An instance serves exactly one AUTH command and is then
 * discarded; it is not thread-safe. After it returns {@link SaslStep.Success} or {@link SaslStep.Failure}
 * every further call fails.
 */
public interface SaslMechanism {

    /** The mechanism name as advertised in EHLO, e.g. {@code PLAIN}. */
    String name();

    /**
     * Feed the next decoded client response.
     *
     * @param response {@code null} when the client sent no initial response with AUTH; an empty array when it
     *                 sent {@code =} (an empty initial response, RFC 4954 section 4) or an empty line
     */
    SaslStep step(byte[] response) throws CredentialStoreUnavailableException;

    /**
     * The user name the client tried, once the exchange has revealed it (for per-account throttling and
     * logs); null before that. Never the password.
     */
    String attemptedUser();
}
