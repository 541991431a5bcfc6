package dev.mailroom.smtp;

import static dev.mailroom.smtp.ConnectionGate.Admission.ADMITTED;
import static dev.mailroom.smtp.ConnectionGate.Admission.TOO_FAST_FROM_CLIENT;
import static dev.mailroom.smtp.ConnectionGate.Admission.TOO_MANY_CONNECTIONS;
import static dev.mailroom.smtp.ConnectionGate.Admission.TOO_MANY_FROM_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.directory.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The listener's connection limits, with a hand-driven clock (the sockets are in it/ConnectionLimitsTest). */
class ConnectionGateTest {
    private static final InetAddress A = InetAddress.ofLiteral("192.0.2.1");
    private static final InetAddress B = InetAddress.ofLiteral("192.0.2.2");
    private static final InetAddress WEBMAIL = InetAddress.ofLiteral("198.51.100.7");

    private final MutableClock clock = new MutableClock();
    private final ConnectionGate gate = new ConnectionGate(new SmtpListener.Limits(10, 2, 3, WEBMAIL::equals),
            clock::millis);

    /** A connection that comes and goes at once. */
    private ConnectionGate.Admission connect(InetAddress client) {
        ConnectionGate.Admission verdict = gate.admit(client);
        gate.release(client);
        return verdict;
    }

    @Test
    void theRateIsPerClientOverTheLastMinute() {
        assertThat(connect(A)).isEqualTo(ADMITTED);
        clock.advance(Duration.ofSeconds(20));
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(connect(A)).isEqualTo(TOO_FAST_FROM_CLIENT);
        assertThat(connect(B)).as("another client is not affected").isEqualTo(ADMITTED);
        clock.advance(Duration.ofSeconds(40)); // the first has left the minute, but the refused attempt counts too
        assertThat(connect(A)).isEqualTo(TOO_FAST_FROM_CLIENT);
        clock.advance(Duration.ofSeconds(60));
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(gate.count(TOO_FAST_FROM_CLIENT)).isEqualTo(2);
        assertThat(gate.count(ADMITTED)).isEqualTo(5);
    }

    @Test
    void concurrencyPerClientAndInTotal() {
        assertThat(gate.admit(A)).isEqualTo(ADMITTED);
        assertThat(gate.admit(A)).isEqualTo(ADMITTED);
        assertThat(gate.admit(A)).isEqualTo(TOO_MANY_FROM_CLIENT);
        gate.release(A); // the refused one ends
        gate.release(A); // and one of the others
        clock.advance(Duration.ofMinutes(1));
        assertThat(gate.admit(A)).isEqualTo(ADMITTED);
        for (int i = 0; i < 8; i++) {
            assertThat(gate.admit(WEBMAIL)).as("an exempt client is held only to the total").isEqualTo(ADMITTED);
        }
        assertThat(gate.admit(B)).isEqualTo(TOO_MANY_CONNECTIONS);
        assertThat(gate.count(TOO_MANY_FROM_CLIENT)).isEqualTo(1);
        assertThat(gate.count(TOO_MANY_CONNECTIONS)).isEqualTo(1);
    }

    @Test
    void zeroMeansNoRateLimitAndQuietClientsAreForgotten() {
        ConnectionGate unlimited = new ConnectionGate(new SmtpListener.Limits(1000, 1000, 0, ip -> false), clock::millis);
        for (int i = 0; i < 500; i++) {
            assertThat(unlimited.admit(A)).isEqualTo(ADMITTED);
            unlimited.release(A);
        }
        connect(A);
        connect(B);
        clock.advance(Duration.ofSeconds(30));
        connect(B);
        assertThat(gate.trackedClients()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(31));
        gate.sweep();
        assertThat(gate.trackedClients()).isEqualTo(1);
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(connect(A)).isEqualTo(ADMITTED);
        assertThat(connect(A)).isEqualTo(TOO_FAST_FROM_CLIENT);
    }
}
