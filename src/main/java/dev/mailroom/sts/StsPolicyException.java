package dev.mailroom.sts;

/** A policy body that RFC 8461 section 3.2 does not allow. */
public final class StsPolicyException extends Exception {
    public StsPolicyException(String message) {
        super(message, null, false, false);
    }
}
