package dev.mailroom.smtp;

import dev.mailroom.log.EventLog;
import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.sasl.SaslMechanism;
import dev.mailroom.sasl.SaslStep;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The AUTH command (RFC 4954 section 4): mechanism choice, the 334 challenge loop with base64 on the wire,
 * the client's "*" cancel, and the brakes on guessing (RFC 4954 section 9). The mechanisms themselves
 * (package {@code sasl}) see only decoded bytes.
 */
final class AuthExchange {
    private static final java.util.regex.Pattern BASE64 = java.util.regex.Pattern.compile("[A-Za-z0-9+/]*={0,2}");
    private final SmtpSession session;
    private final AuthService auth;

    AuthExchange(SmtpSession session, AuthService auth) {
        this.session = session;
        this.auth = auth;
    }

    void run(String arg) throws IOException, SmtpException {
        List<String> offered = auth == null ? List.of() : auth.mechanisms(session);
        if (offered.isEmpty()) {
            throw new SmtpException(502, "5.5.1", "AUTH not available on this listener");
        }
        if (session.heloName() == null || !session.esmtp()) {
            throw new SmtpException(503, "5.5.1", "Send EHLO first");
        }
        if (session.authenticatedUser() != null) {
            throw new SmtpException(503, "5.5.1", "Already authenticated"); // AUTH-05
        }
        if (session.inTransaction()) {
            throw new SmtpException(503, "5.5.1", "AUTH not allowed during a mail transaction"); // AUTH-06
        }
        String[] parts = arg.strip().split(" ");
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty()) {
            throw new SmtpException(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        }
        String mechanismName = parts[0].toUpperCase(Locale.ROOT);
        if (!offered.contains(mechanismName)) {
            throw new SmtpException(504, "5.5.4", "Unrecognized authentication mechanism"); // AUTH-07
        }
        SmtpReply blocked = auth.refusal(session, null);
        if (blocked != null) {
            throw new SmtpException(blocked);
        }
        SaslMechanism mechanism = auth.start(mechanismName);
        byte[] response = null;
        if (parts.length == 2) {
            // "=" is an empty initial response (RFC 4954 section 4).
            response = parts[1].equals("=") ? new byte[0] : decode(parts[1]);
        }
        try {
            while (true) {
                SaslStep step = mechanism.step(response);
                switch (step) {
                    case SaslStep.Challenge c -> {
                        // AUTH-08: an empty challenge is exactly "334 " with the trailing space.
                        session.reply(SmtpReply.plain(334, Base64.getEncoder().encodeToString(c.data())));
                        session.flush();
                        response = readResponse();
                        if (response == null) {
                            return; // the session is closing
                        }
                    }
                    case SaslStep.Success s -> {
                        SmtpReply refused = auth.refusal(session, s.authenticatedUser());
                        if (refused != null) {
                            throw new SmtpException(refused);
                        }
                        auth.succeeded(session, s.authenticatedUser());
                        session.authenticated(s.authenticatedUser(), mechanismName);
                        session.observer().authenticated(session.listenerName(), mechanismName, true);
                        session.reply(SmtpReply.of(235, "2.7.0", "Authentication successful"));
                        return;
                    }
                    case SaslStep.Failure f -> {
                        session.observer().authenticated(session.listenerName(), mechanismName, false);
                        fail(mechanismName, mechanism.attemptedUser(), f.reasonForLog());
                        return;
                    }
                }
            }
        } catch (CredentialStoreUnavailableException e) {
            EventLog.warn("auth", "mechanism", mechanismName, "result", "tempfail",
                    "reason", e.getMessage());
            throw new SmtpException(454, "4.7.0", "Temporary authentication failure"); // AUTH-14
        }
    }

    private void fail(String mechanism, String account, String reason) throws IOException {
        Duration delay = auth.failed(session, account, reason);
        EventLog.warn("auth", "client", SmtpSession.address(session.client()),
                "mechanism", mechanism, "user", account, "result", "failed", "reason", reason, "delay_ms", delay.toMillis());
        sleep(delay);
        SmtpReply invalid = SmtpReply.of(535, "5.7.8", "Authentication credentials invalid");
        if (session.authFailed()) {
            session.reply(invalid);
            session.closeWith(SmtpReply.of(421, "4.7.0", "Too many authentication failures, closing connection"));
        } else {
            session.error(invalid);
        }
    }

    /** The decoded response, or null when the session has been closed (bare CR or LF). */
    private byte[] readResponse() throws IOException, SmtpException {
        session.awaitCommand(); // a SASL response is held to the command timeout like a command line
        SmtpInput.Line line = session.input().readLine(session.settings().authLineLimit());
        session.working();
        switch (line.framing()) {
            case EOF -> throw new IOException("connection closed during AUTH");
            case BARE_NEWLINE -> {
                // RFC 5321 section 2.3.8: only CRLF ends a line. As for commands and data (DATA-03), a bare
                // CR or LF gets 550 and the connection closes: the client's framing cannot be trusted, and
                // what follows the bare LF must never be read as the next command.
                session.closeWith(SmtpReply.of(550, "5.5.2", "Bare CR or LF received; lines must end with CRLF"));
                return null;
            }
            case TOO_LONG -> throw new SmtpException(500, "5.5.6", "Authentication exchange line is too long"); // AUTH-12
            default -> {
            }
        }
        String text = new String(line.bytes(), StandardCharsets.US_ASCII);
        if (text.equals("*")) {
            throw new SmtpException(501, "5.0.0", "Authentication cancelled"); // AUTH-09
        }
        return decode(text);
    }

    /** RFC 4954 section 4: a response that is not valid base64 gets 501 5.5.2. Package-private for the fuzz test. */
    static byte[] decode(String text) throws SmtpException {
        if (text.isEmpty()) {
            return new byte[0];
        }
        if (!BASE64.matcher(text).matches() || text.length() % 4 != 0) {
            throw new SmtpException(501, "5.5.2", "Invalid base64 data");
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new SmtpException(501, "5.5.2", "Invalid base64 data");
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
