package dev.mailroom.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.Route;
import dev.mailroom.dns.TargetHost;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.dns.TestZone;
import dev.mailroom.dns.TrustAnchors;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.smtp.client.SmtpClient;
import dev.mailroom.tls.CertificateRejectedException;
import dev.mailroom.tls.ClientTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real STARTTLS handshakes with the DANE trust manager against the project's SMTP sink, whose TLS context records
 * the SNI each client sends; the TLSA records come from a signed zone through the validating resolver, as they
 * will in delivery.
 */
class DaneHandshakeTest {
    private static final String MX = "mx.dane.test";

    private TestDnsServer dns;
    private TestZone zone;
    private DanePki.Issued ca;
    private DanePki.Issued serverCert;
    private final List<String> sniSeen = DanePki.recorder();
    private SinkServer sink;

    @BeforeEach
    void start() throws Exception {
        ca = DanePki.ca("DANE Handshake CA");
        serverCert = DanePki.leaf(ca, MX);
        SSLContext serverTls = DanePki.server(serverCert.keys().getPrivate(), sniSeen, serverCert.cert(), ca.cert());
        sink = SinkServer.start(SinkServer.SinkSettings.defaults().withHostname(MX).withStartTls(serverTls));
        dns = TestDnsServer.start();
        zone = dns.signedZone("dane.test.");
        dns.add("dane.test. MX 10 mx.dane.test.", "mx.dane.test. A 127.0.0.1");
    }

    @AfterEach
    void stop() {
        sink.close();
        dns.close();
    }

    /** The DANE policy for the domain's first MX host, through DNS as delivery will get it. */
    private DanePolicy policy() throws TrustAnchors.InvalidTrustAnchorsException {
        MxResolver mx = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 0,
                TrustAnchors.parse(zone.trustAnchor()));
        TargetHost host = ((Route.Hosts) mx.resolve("dane.test")).hosts().getFirst();
        return new DaneResolver(mx).policyFor("dane.test", host, 25);
    }

    /** STARTTLS as SmtpDelivery does it: ClientTls.wrapClient, no JDK host name check, SNI from the given name. */
    private static Function<Socket, SSLSocket> daneTls(TlsaSet tlsa, int port) {
        return socket -> {
            try {
                return ClientTls.wrapClient(tlsa.sslContext().getSocketFactory(), socket, tlsa.baseDomain(), port, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private SmtpClient connect() throws Exception {
        SmtpClient client = SmtpClient.connect(sink.address(), SmtpClient.ClientSettings.defaults("client.test"));
        assertThat(client.ehlo().has("STARTTLS")).isTrue();
        return client;
    }

    @Test
    void DANE_05_a_dane_ta_handshake_succeeds_and_sends_the_tlsa_base_domain_as_sni() throws Exception {
        dns.add("_25._tcp.mx.dane.test. TLSA " + DanePki.tlsaText(2, 1, 1, ca.cert()));
        TlsaSet tlsa = ((DanePolicy.Verify) policy()).tlsa();
        try (SmtpClient client = connect()) {
            client.startTls(daneTls(tlsa, sink.port()));
            client.ehlo();
            assertThat(client.isTls()).isTrue();
            assertThat(client.noop().code()).isEqualTo(250);
        }
        assertThat(sniSeen).containsExactly(MX);
    }

    @Test
    void a_dane_ee_handshake_succeeds_with_a_certificate_for_another_name() throws Exception {
        DanePki.Issued selfSigned = DanePki.selfSigned(DanePki.now(-24 * 90), DanePki.now(-24), "not-the-mx.example");
        sink.close();
        sink = SinkServer.start(SinkServer.SinkSettings.defaults().withHostname(MX)
                .withStartTls(DanePki.server(selfSigned.keys().getPrivate(), sniSeen, selfSigned.cert())));
        dns.add("_25._tcp.mx.dane.test. TLSA " + DanePki.tlsaText(3, 1, 1, selfSigned.cert()));
        TlsaSet tlsa = ((DanePolicy.Verify) policy()).tlsa();
        try (SmtpClient client = connect()) {
            client.startTls(daneTls(tlsa, sink.port()));
            client.ehlo();
            assertThat(client.isTls()).isTrue();
        }
        assertThat(sniSeen).containsExactly(MX);
    }

    @Test
    void DANE_02_a_certificate_the_records_do_not_authenticate_fails_the_handshake_and_closes_the_connection()
            throws Exception {
        DanePki.Issued stranger = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX);
        dns.add("_25._tcp.mx.dane.test. TLSA " + DanePki.tlsaText(3, 1, 1, stranger.cert()));
        TlsaSet tlsa = ((DanePolicy.Verify) policy()).tlsa();
        SmtpClient client = connect();
        assertThatThrownBy(() -> client.startTls(daneTls(tlsa, sink.port())))
                .isInstanceOf(SSLHandshakeException.class);
        // never on in plaintext: the client closed the connection with the failed handshake
        assertThatThrownBy(client::noop).isInstanceOf(IOException.class);
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void a_dane_ta_record_does_not_accept_a_wrong_name_in_a_real_handshake() throws Exception {
        DanePki.Issued misnamed = DanePki.leaf(ca, "mx.elsewhere.example");
        sink.close();
        sink = SinkServer.start(SinkServer.SinkSettings.defaults().withHostname(MX)
                .withStartTls(DanePki.server(misnamed.keys().getPrivate(), sniSeen, misnamed.cert(), ca.cert())));
        dns.add("_25._tcp.mx.dane.test. TLSA " + DanePki.tlsaText(2, 0, 1, ca.cert()));
        TlsaSet tlsa = ((DanePolicy.Verify) policy()).tlsa();
        SmtpClient client = connect();
        assertThatThrownBy(() -> client.startTls(daneTls(tlsa, sink.port())))
                .isInstanceOf(SSLHandshakeException.class);
        client.close();
    }

    @Test
    void the_dane_check_sends_the_base_domain_as_sni_and_refuses_a_mismatch_as_tlsa_mismatch() throws Exception {
        DanePki.Issued stranger = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX);
        dns.add("_25._tcp.mx.dane.test. TLSA " + DanePki.tlsaText(2, 1, 1, ca.cert()));
        DaneCheck check = new DaneCheck(((DanePolicy.Verify) policy()).tlsa());
        assertThat(check.checksHostName()).isFalse();
        try (SmtpClient client = connect()) {
            client.startTls(socket -> {
                try {
                    return check.handshake(socket, "127.0.0.1", sink.port()); // whatever the caller names
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThat(client.isTls()).isTrue();
        }
        assertThat(sniSeen).containsExactly(MX);

        DaneCheck other = new DaneCheck(new TlsaSet(MX, List.of(MX), List.of(DanePki.tlsa(3, 1, 1, stranger.cert()))));
        assertThat(other.name()).startsWith("dane-" + MX).isNotEqualTo(check.name()); // a cache key per TLSA set
        SmtpClient client = connect();
        assertThatThrownBy(() -> client.startTls(socket -> {
            try {
                return other.handshake(socket, MX, sink.port());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).satisfies(e -> assertThat(CertificateRejectedException.in(e)).isNotNull()
                .extracting(CertificateRejectedException::reason)
                .isEqualTo(CertificateRejectedException.Reason.TLSA_MISMATCH));
        client.close();
    }
}
