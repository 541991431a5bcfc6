package dev.mailroom.dns;

import dev.mailroom.smtp.SmtpReply;
import java.util.List;

/**
 * Where mail for one domain goes, as DNS says: a list of hosts to try, or the reason there is none.
 *
 * <p>A caller switches over the two cases:
 * <pre>{@code
 * switch (resolver.resolve(domain)) {
 *     case Route.Hosts hosts -> deliver(hosts.hosts());
 *     case Route.Failure failure -> settle(failure.failureReply()); // 4xx: retry later, 5xx: bounce
 * }
 * }</pre>
 */
public sealed interface Route {

    /** The hosts to try, in order: lower preference first, randomised among equal preferences (RFC 5321 section 5.1). */
    record Hosts(List<TargetHost> hosts) implements Route {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("a route needs at least one host");
            }
        }
    }

    /** No host can be tried; {@link #failureReply()} is the reply the queue records for every recipient of the domain. */
    sealed interface Failure extends Route {
        /** The domain the route was asked for. */
        String domain();

        /** A reply code, enhanced status code and text: 4xx when a later attempt may succeed, 5xx when it cannot. */
        SmtpReply failureReply();
    }

    /** The domain publishes a null MX: it accepts no mail at all (RFC 7505 section 3). */
    record NullMx(String domain) implements Failure {
        @Override
        public SmtpReply failureReply() {
            // RFC 7505 section 3: fail at once; 556 and X.1.10 "Recipient address has null MX" are its codes.
            return SmtpReply.of(556, "5.1.10", oneLine(domain) + ": the domain accepts no mail (null MX)");
        }
    }

    /** The domain does not exist, or names no host that could receive mail: a permanent failure. */
    record NoSuchDomain(String domain, String reason) implements Failure {
        @Override
        public SmtpReply failureReply() {
            // RFC 3463: X.1.2 "Bad destination system address".
            return SmtpReply.of(550, "5.1.2", oneLine(domain) + ": " + oneLine(reason));
        }
    }

    /** DNS did not answer usefully this time (SERVFAIL, time-out, no address yet): try again later. */
    record TemporaryFailure(String domain, String reason) implements Failure {
        @Override
        public SmtpReply failureReply() {
            // RFC 3463: X.4.3 "Directory server failure", the DNS being the directory.
            return SmtpReply.of(451, "4.4.3", oneLine(domain) + ": " + oneLine(reason));
        }
    }

    /** Reply text must be one line: names and resolver messages come from outside. */
    private static String oneLine(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }
}
