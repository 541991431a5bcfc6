package dev.mailroom.dkim;

/** A message could not be signed (a key that cannot be read any more, a failing crypto provider). */
public final class DkimException extends Exception {
    public DkimException(String message, Throwable cause) {
        super(message, cause);
    }
}
