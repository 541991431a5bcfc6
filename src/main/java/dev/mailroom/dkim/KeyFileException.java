package dev.mailroom.dkim;

/**
 * A DKIM private key file that cannot be used: unreadable, not a PEM private key, a key of the other algorithm,
 * or an RSA key of the wrong size. The message names the file and the reason, never the key.
 */
public final class KeyFileException extends Exception {
    private final boolean wrongAlgorithm;

    KeyFileException(String message, boolean wrongAlgorithm) {
        super(message);
        this.wrongAlgorithm = wrongAlgorithm;
    }

    KeyFileException(String message) {
        this(message, false);
    }

    /** True when the file holds a good key of the other algorithm (the configured algorithm is the mistake). */
    public boolean wrongAlgorithm() {
        return wrongAlgorithm;
    }
}
