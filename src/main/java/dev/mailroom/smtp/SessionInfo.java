package dev.mailroom.smtp;

import java.net.InetSocketAddress;

/** What a policy may know about the session asking it: read-only, engine-owned. */
public interface SessionInfo {
    String sessionId();

    String listenerName();

    InetSocketAddress client();

    /** The EHLO/HELO argument, or null before the greeting. */
    String heloName();

    boolean esmtp();

    /** e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384", or null without TLS. */
    String tlsDescription();

    default boolean tls() {
        return tlsDescription() != null;
    }

    /** The authenticated user (RFC 4954), or null. */
    String authenticatedUser();

    /** The SASL mechanism that authenticated the user, or null. */
    String authMechanism();
}
