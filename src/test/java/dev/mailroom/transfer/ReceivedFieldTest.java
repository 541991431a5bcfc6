package dev.mailroom.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SessionInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReceivedFieldTest {
    private static final ZonedDateTime WHEN = ZonedDateTime.of(2024, 3, 5, 7, 8, 9, 0, ZoneOffset.ofHours(1));

    /** The facts the engine hands a policy about a session (a value, not a protocol). */
    record Session(String heloName, boolean esmtp, String tlsDescription, String authenticatedUser,
                   InetSocketAddress client) implements SessionInfo {
        @Override
        public String sessionId() {
            return "s1";
        }

        @Override
        public String listenerName() {
            return "mx";
        }

        @Override
        public String authMechanism() {
            return authenticatedUser == null ? null : "PLAIN";
        }
    }

    private static Envelope envelope(boolean smtputf8, String... rcpts) {
        MailParameters p = new MailParameters(null, smtputf8, -1, null, null, null, false);
        return new Envelope(new Mailbox("s", "remote.example"), p,
                java.util.Arrays.stream(rcpts).map(r -> Recipient.of(new Mailbox(r.split("@")[0], r.split("@")[1]))).toList());
    }

    private static String field(Session s, Optional<String> name, Envelope e) {
        return new String(ReceivedField.of(s, name, e, "mx.example.com", "QID", WHEN), StandardCharsets.UTF_8);
    }

    @Test
    void theFullFieldWithNameAddressTlsAndOneRecipient() throws Exception {
        Session s = new Session("mail.remote.example", true, "TLSv1.3 TLS_AES_128_GCM_SHA256", null,
                new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40000));
        assertThat(field(s, Optional.of("mail.remote.example"), envelope(false, "alice@example.com"))).isEqualTo(
                "Received: from mail.remote.example (mail.remote.example [192.0.2.7])\r\n"
                        + "\tby mx.example.com (Mailroom) with ESMTPS (TLSv1.3 TLS_AES_128_GCM_SHA256)\r\n"
                        + "\tid QID\r\n"
                        + "\tfor <alice@example.com>; Tue, 5 Mar 2024 07:08:09 +0100\r\n");
    }

    @Test
    void withoutAVerifiedNameOnlyTheLiteralAndWithSeveralRecipientsNoFor() throws Exception {
        Session s = new Session("[192.0.2.7]", false, null, null,
                new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40000));
        assertThat(field(s, Optional.empty(), envelope(false, "a@example.com", "b@example.com"))).isEqualTo(
                "Received: from [192.0.2.7] ([IPv6:2001:db8:0:0:0:0:0:7])\r\n"
                        + "\tby mx.example.com (Mailroom) with SMTP\r\n"
                        + "\tid QID; Tue, 5 Mar 2024 07:08:09 +0100\r\n");
    }

    @ParameterizedTest(name = "esmtp={0} tls={1} auth={2} utf8={3} -> {4}")
    @CsvSource({
            "false,false,false,false,SMTP",
            "true,false,false,false,ESMTP",
            "true,true,false,false,ESMTPS",
            "true,false,true,false,ESMTPA",
            "true,true,true,false,ESMTPSA",
            "true,false,false,true,UTF8SMTP",
            "true,true,false,true,UTF8SMTPS",
            "true,true,true,true,UTF8SMTPSA",
    })
    void protocolNamesOfRfc3848AndRfc6531(boolean esmtp, boolean tls, boolean auth, boolean utf8, String expected) {
        Session s = new Session("h.example", esmtp, tls ? "TLSv1.3 X" : null, auth ? "alice@example.com" : null,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 1));
        assertThat(ReceivedField.protocol(s, envelope(utf8, "a@example.com"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "mail.example.com|mail.example.com",
            "bücher.example|xn--bcher-kva.example",
            "[192.0.2.1]|[192.0.2.1]",
            "[IPv6:2001:db8::1]|[IPv6:2001:db8::1]",
            "[1;by(evil)]|[1_by_evil_]",
            "[a]b]|[a_b]",
    })
    void heloNamesCannotForgeTraceStructure(String helo, String shown) {
        assertThat(ReceivedField.heloForTrace(helo)).isEqualTo(shown);
    }

    @Test
    void scopedIpv6AddressesLoseTheirScope() throws Exception {
        InetAddress scoped = InetAddress.getByName("fe80::1%1");
        assertThat(ReceivedField.addressLiteral(scoped)).isEqualTo("[IPv6:fe80:0:0:0:0:0:0:1]");
        assertThat(ReceivedField.addressLiteral(InetAddress.getByName("10.1.2.3"))).isEqualTo("[10.1.2.3]");
    }

    @Test
    void theSystemResolverGivesAVerifiedNameOrNothing() throws Exception {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): no PTR record exists, so no name may appear.
        assertThat(ClientNames.system().verifiedName(InetAddress.getByName("192.0.2.1"))).isEmpty();
        List<String> loopbackNames = List.of("localhost", "localhost.localdomain", "ip6-localhost");
        ClientNames.system().verifiedName(InetAddress.getByName("127.0.0.1"))
                .ifPresent(n -> assertThat(n).isIn(loopbackNames));
    }
}
