package dev.mailroom.smtp;

import dev.mailroom.sasl.SaslMechanism;
import java.time.Duration;
import java.util.List;

/** Authentication as the engine sees it: which mechanisms, and how failures are throttled. */
public interface AuthService {

    /** Mechanisms to advertise and accept. Empty means AUTH is not offered. */
    List<String> mechanisms(SessionInfo session);

    /** A fresh exchange for this mechanism (one of {@link #mechanisms}). */
    SaslMechanism start(String mechanism);

    /** A reply refusing AUTH now (the client or account is cooling down after failures), or null. */
    SmtpReply refusal(SessionInfo session, String account);

    /** Records a failure; returns how long to wait before answering it (brute-force brake). */
    Duration failed(SessionInfo session, String account, String reason);

    void succeeded(SessionInfo session, String account);
}
