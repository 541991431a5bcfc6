package dev.mailroom.message;

/** A message that breaks RFC 5322 framing; the reason is short English text for a 554 reply (MSA-13). */
public final class MessageFormatException extends Exception {

    private final String reason;

    public MessageFormatException(String reason) {
        super(reason);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
