package dev.mailroom.smtp;

import java.io.IOException;
import java.util.Locale;

/** The reply for a storage error while taking a message: never 2xx, and nothing kept (RFC 5321 4.2.5). */
public final class StorageFailure {
    private StorageFailure() {
    }

    public static SmtpException of(IOException e) {
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (msg.contains("no space") || msg.contains("quota")) {
            return new SmtpException(452, "4.3.1", "Insufficient system storage"); // RFC 3463 X.3.1
        }
        return new SmtpException(451, "4.3.0", "Local error in processing; try again later");
    }
}
