package dev.mailroom.local;

import java.io.IOException;

/**
 * The LMTP server sent something that is not a well-formed reply, or a reply the session cannot go on from
 * (a refused greeting or LHLO). An IOException, because for the caller it means the same as a dropped
 * connection: nothing more can be said on it, and undecided recipients are retried.
 */
public final class LmtpProtocolException extends IOException {
    public LmtpProtocolException(String message) {
        super(message);
    }
}
