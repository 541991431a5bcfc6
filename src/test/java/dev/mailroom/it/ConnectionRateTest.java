package dev.mailroom.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.SinkServer;
import dev.mailroom.smtp.ConnectionGate;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-client connection rate over real sockets (SMTP-40; the concurrency per client is SessionLimitsTest's):
 * beyond it, 421 4.7.0 instead of the greeting and the connection closes; other addresses are unaffected;
 * loopback is not exempt unless listed in limits.exempt_networks. Each test uses loopback addresses of its own
 * (127.0.0.0/8).
 */
class ConnectionRateTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(), """

                [limits]
                max_connection_rate_per_client = 3
                exempt_networks = ["127.0.0.50/32"]
                """);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    private static Socket from(String local, int port) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        s.setSoTimeout(10_000);
        return s;
    }

    /** Connects, reads the first line, and closes. */
    private static String firstLine(String local, int port) throws Exception {
        try (Socket s = from(local, port)) {
            return reader(s).readLine();
        }
    }

    private static BufferedReader reader(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    @Test
    void theFourthConnectionWithinAMinuteGets421AndOtherAddressesDoNot() throws Exception {
        int port = mr.trusted();
        long before = mr.server.connections("trusted").count(ConnectionGate.Admission.TOO_FAST_FROM_CLIENT);
        for (int i = 0; i < 3; i++) {
            assertThat(firstLine("127.0.0.2", port)).startsWith("220 ");
        }
        try (Socket fourth = from("127.0.0.2", port)) {
            BufferedReader r = reader(fourth);
            assertThat(r.readLine()).startsWith("421 4.7.0 ").contains("in the last minute");
            assertThat(r.read()).as("closed after the 421").isEqualTo(-1);
        }
        assertThat(firstLine("127.0.0.3", port)).as("another client").startsWith("220 ");
        assertThat(firstLine("127.0.0.2", mr.submission())).as("another listener counts its own").startsWith("220 ");
        assertThat(mr.server.connections("trusted").count(ConnectionGate.Admission.TOO_FAST_FROM_CLIENT) - before)
                .isEqualTo(1);
    }

    @Test
    void anExemptAddressIsHeldOnlyToTheTotal() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(firstLine("127.0.0.50", mr.trusted())).startsWith("220 ");
        }
    }

    @Test
    void theRefusalComesInsideTlsOnTheImplicitTlsPort() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(tlsFirstLine("127.0.0.6", mr.submissions())).startsWith("220 ");
        }
        assertThat(tlsFirstLine("127.0.0.6", mr.submissions())).startsWith("421 4.7.0 ");
    }

    /** Connects with implicit TLS (RFC 8314), reads the first line, and closes. */
    private static String tlsFirstLine(String local, int port) throws Exception {
        Socket plain = from(local, port);
        try (SSLSocket tls = (SSLSocket) SmtpTestClient.trustAll().getSocketFactory()
                .createSocket(plain, "localhost", port, true)) {
            tls.startHandshake();
            return reader(tls).readLine();
        }
    }
}
