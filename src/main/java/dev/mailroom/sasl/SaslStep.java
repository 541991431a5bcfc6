package dev.mailroom.sasl;

import java.util.Objects;

/** What a mechanism answers to one client response. The SMTP engine maps these to 334 / 235 / 535. */
public sealed interface SaslStep {

    /** Send these bytes to the client (the engine base64-encodes them into a 334 line). */
    record Challenge(byte[] data) implements SaslStep {
        public Challenge {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Challenge c && java.util.Arrays.equals(data, c.data);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Challenge[" + data.length + " bytes]";
        }
    }

    /** Authentication finished; {@code authenticatedUser} is the authcid, never the authzid (SASL-02). */
    record Success(String authenticatedUser) implements SaslStep {
        public Success {
            Objects.requireNonNull(authenticatedUser);
        }
    }

    /**
     * Authentication failed. {@code reasonForLog} is for the server log only: it never contains the password,
     * and contains client-supplied text only after it was checked free of CR, LF and NUL (SASL-04), so it
     * cannot forge log lines. The client only ever sees a generic 535.
     */
    record Failure(String reasonForLog) implements SaslStep {
        public Failure {
            Objects.requireNonNull(reasonForLog);
        }
    }
}
