package dev.mailroom.smtp;

import java.time.Duration;

/**
 * The protocol-level settings of one listener. Defaults follow RFC 5321 section 4.5.3.
 *
 * @param name                 listener name for logs ("submission", "submissions", ...)
 * @param hostname             the FQDN in the greeting and the Received header
 * @param tlsMode              how TLS is offered
 * @param requireTls           STARTTLS must come first: other commands get 530 (RFC 3207 section 4)
 * @param commandLineLimit     longest command line in octets without CRLF: 512 plus the extension
 *                             increments of RFC 5321 4.5.3.1.4 (SIZE, AUTH=, DSN per RFC 3461 5.4, ...)
 * @param authLineLimit        longest AUTH line or SASL response (RFC 4954 section 4: 12288 suffices)
 * @param maxMessageSize       advertised with SIZE and enforced (RFC 1870)
 * @param maxRecipients        recipients per transaction, then 452 4.5.3 (RFC 5321 4.5.3.1.8: at least 100)
 * @param maxBadCommands       errors in one session before 421 4.7.0 and close
 * @param maxAuthFailures      failed AUTH attempts in one session before 421 4.7.0 (RFC 4954 section 9: >= 3)
 * @param commandTimeout       idle time waiting for a command (RFC 5321 4.5.3.2.7: at least 5 minutes)
 * @param dataTimeout          idle time within DATA/BDAT content (RFC 5321 4.5.3.2.5, 4.5.3.2.6)
 * @param chunking             offer CHUNKING and BINARYMIME (RFC 3030)
 * @param dsn                  offer DSN (RFC 3461)
 * @param smtputf8             offer SMTPUTF8 (RFC 6531)
 */
public record ListenerSettings(String name, String hostname, TlsMode tlsMode, boolean requireTls,
                               int commandLineLimit, int authLineLimit, long maxMessageSize, int maxRecipients,
                               int maxBadCommands, int maxAuthFailures, Duration commandTimeout,
                               Duration dataTimeout, boolean chunking, boolean dsn, boolean smtputf8) {

    public static final int DEFAULT_COMMAND_LINE_LIMIT = 2048;
    public static final int DEFAULT_AUTH_LINE_LIMIT = 12288;

    public static ListenerSettings defaults(String name, String hostname, TlsMode tlsMode) {
        return new ListenerSettings(name, hostname, tlsMode, tlsMode == TlsMode.STARTTLS,
                DEFAULT_COMMAND_LINE_LIMIT, DEFAULT_AUTH_LINE_LIMIT, 50L * 1024 * 1024, 100,
                20, 3, Duration.ofMinutes(5), Duration.ofMinutes(5), true, true, true);
    }

    public ListenerSettings withRequireTls(boolean value) {
        return new ListenerSettings(name, hostname, tlsMode, value, commandLineLimit, authLineLimit, maxMessageSize,
                maxRecipients, maxBadCommands, maxAuthFailures, commandTimeout, dataTimeout, chunking, dsn, smtputf8);
    }
}
