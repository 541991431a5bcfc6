package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.smtp.SmtpReply;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each route failure tells the queue, and the invariants of the route types. */
class RouteTest {
    @Test
    void nullMxFailsPermanentlyWith556() {
        SmtpReply reply = new Route.NullMx("example.org").failureReply();
        assertThat(reply.code()).isEqualTo(556);
        assertThat(reply.enhanced()).isEqualTo("5.1.10");
        assertThat(reply.isPermanent()).isTrue();
        assertThat(reply.lines().getFirst()).contains("example.org").contains("null MX");
    }

    @Test
    void noSuchDomainFailsPermanentlyWith550() {
        SmtpReply reply = new Route.NoSuchDomain("nowhere.example", "no such domain").failureReply();
        assertThat(reply.wire()).isEqualTo("550 5.1.2 nowhere.example: no such domain\r\n");
        assertThat(reply.isPermanent()).isTrue();
    }

    @Test
    void temporaryFailureIsRetriedWith451() {
        SmtpReply reply = new Route.TemporaryFailure("example.org", "MX lookup of example.org timed out").failureReply();
        assertThat(reply.wire()).isEqualTo("451 4.4.3 example.org: MX lookup of example.org timed out\r\n");
        assertThat(reply.isTransient()).isTrue();
    }

    @Test
    void replyTextStaysOnOneLineWhateverTheResolverSaid() {
        SmtpReply reply = new Route.TemporaryFailure("example.org", "bad\r\nanswer").failureReply();
        assertThat(reply.wire()).isEqualTo("451 4.4.3 example.org: bad  answer\r\n");
    }

    @Test
    void routesNeedHostsAndHostsNeedAddresses() {
        assertThatThrownBy(() -> new Route.Hosts(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TargetHost("mx.example.org", 10, List.of(), false)).isInstanceOf(IllegalArgumentException.class);
        TargetHost host = new TargetHost("mx.example.org", 10, List.of(InetAddress.getLoopbackAddress()), false);
        assertThat(new Route.Hosts(List.of(host)).hosts()).containsExactly(host);
    }

    @Test
    void unroutableExceptionCarriesTheFailure() {
        Route.Failure failure = new Route.NoSuchDomain("nowhere.example", "no such host");
        UnroutableException e = new UnroutableException(failure);
        assertThat(e.failure()).isSameAs(failure);
        assertThat(e.getMessage()).isEqualTo("550 5.1.2 nowhere.example: no such host");
    }
}
