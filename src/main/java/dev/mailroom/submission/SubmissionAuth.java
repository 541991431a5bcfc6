package dev.mailroom.submission;

import dev.mailroom.directory.AuthThrottle;
import dev.mailroom.sasl.CredentialStore;
import dev.mailroom.sasl.SaslMechanism;
import dev.mailroom.sasl.SaslMechanisms;
import dev.mailroom.smtp.AuthService;
import dev.mailroom.smtp.SessionInfo;
import dev.mailroom.smtp.SmtpReply;
import java.time.Duration;
import java.util.List;

/**
 * AUTH on the submission listeners: PLAIN, LOGIN and SCRAM-SHA-256 against the users file, offered only
 * inside TLS (RFC 4954 section 4 and RFC 8314: no password ever crosses the network in clear), with
 * failures throttled per client address and per account (RFC 4954 section 9).
 */
public final class SubmissionAuth implements AuthService {
    private final CredentialStore store;
    private final AuthThrottle throttle;

    public SubmissionAuth(CredentialStore store, AuthThrottle throttle) {
        this.store = store;
        this.throttle = throttle;
    }

    @Override
    public List<String> mechanisms(SessionInfo session) {
        return session.tls() ? SaslMechanisms.supported() : List.of();
    }

    @Override
    public SaslMechanism start(String mechanism) {
        return SaslMechanisms.create(mechanism, store);
    }

    @Override
    public SmtpReply refusal(SessionInfo session, String account) {
        if (throttle.isBlocked(ip(session), account)) {
            return SmtpReply.of(454, "4.7.0", "Too many failed authentications; try again later");
        }
        return null;
    }

    @Override
    public Duration failed(SessionInfo session, String account, String reason) {
        throttle.recordFailure(ip(session), account);
        return throttle.delayFor(ip(session), account);
    }

    @Override
    public void succeeded(SessionInfo session, String account) {
        throttle.recordSuccess(ip(session), account);
    }

    private static String ip(SessionInfo session) {
        return session.client().getAddress().getHostAddress();
    }
}
