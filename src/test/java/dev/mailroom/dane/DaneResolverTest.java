package dev.mailroom.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.dns.DnssecStatus;
import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.Route;
import dev.mailroom.dns.TargetHost;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.dns.TestZone;
import dev.mailroom.dns.TrustAnchors;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * The four outcomes of DANE-02 and the MX rules of DANE-03, from a real DNS server on loopback serving a zone signed
 * at test time, through a DNSSEC-validating resolver configured with that zone's trust anchor.
 */
class DaneResolverTest {
    private static X509Certificate cert;
    private static String tlsa311;

    private TestDnsServer dns;
    private TestZone zone;
    private MxResolver mx;
    private DaneResolver dane;

    @BeforeAll
    static void certificate() throws Exception {
        cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "mx.dane.test").cert();
        tlsa311 = DanePki.tlsaText(3, 1, 1, cert);
    }

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        zone = dns.signedZone("dane.test.");
        dns.unsignedZone("plain.dane.test.");
        dns.add("""
                $ORIGIN dane.test.
                @                MX    10 mx
                mx               A     127.0.0.1
                _25._tcp.mx      TLSA  %s
                pkix             MX    10 mx.pkix
                mx.pkix          A     127.0.0.2
                _25._tcp.mx.pkix TLSA  0 0 1 %s
                _25._tcp.mx.pkix TLSA  1 1 1 %s
                none             MX    10 mx.none
                mx.none          A     127.0.0.3
                unsigned-tlsa    MX    10 mx.unsigned-tlsa
                mx.unsigned-tlsa A     127.0.0.4
                _25._tcp.mx.unsigned-tlsa CNAME tlsa.plain
                order            MX    10 first.order
                order            MX    20 second.order
                first.order      A     127.0.0.5
                second.order     A     127.0.0.6
                _25._tcp.second.order TLSA %s
                $ORIGIN plain.dane.test.
                @                MX    10 mx.dane.test.
                tlsa             TLSA  %s
                """.formatted(tlsa311, "ab".repeat(32), "cd".repeat(32), tlsa311, tlsa311));
        mx = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 0, TrustAnchors.parse(zone.trustAnchor()));
        dane = new DaneResolver(mx);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private List<TargetHost> hosts(String domain) {
        assertThat(mx.resolve(domain)).isInstanceOf(Route.Hosts.class);
        return ((Route.Hosts) mx.resolve(domain)).hosts();
    }

    private DanePolicy policy(String domain) {
        return dane.policyFor(domain, hosts(domain).getFirst(), 25);
    }

    @Test
    void DANE_02_a_secure_usable_tlsa_set_requires_tls_and_authentication() {
        assertThat(policy("dane.test")).isInstanceOfSatisfying(DanePolicy.Verify.class, v -> {
            assertThat(v.tlsRequired()).isTrue();
            assertThat(v.tlsa().baseDomain()).isEqualTo("mx.dane.test");
            assertThat(v.tlsa().referenceNames()).containsExactly("mx.dane.test", "dane.test");
            assertThat(v.tlsa().records()).singleElement().satisfies(r -> assertThat(r.matches(cert)).isTrue());
        });
    }

    @Test
    void DANE_02_a_secure_set_without_a_usable_record_requires_tls_without_authentication() {
        assertThat(policy("pkix.dane.test")).isInstanceOfSatisfying(DanePolicy.EncryptOnly.class, e -> {
            assertThat(e.tlsRequired()).isTrue();
            assertThat(e.reason()).contains("mx.pkix.dane.test").contains("none of the 2 TLSA records is usable");
        });
    }

    @Test
    void DANE_02_no_tlsa_records_or_insecure_ones_leave_tls_opportunistic() {
        assertThat(policy("none.dane.test")).isInstanceOfSatisfying(DanePolicy.NotApplicable.class, n -> {
            assertThat(n.tlsRequired()).isFalse();
            assertThat(n.reason()).contains("DNSSEC proves there are none");
        });
        // the host is secure, but its TLSA records sit (via a CNAME) in an unsigned zone
        assertThat(policy("unsigned-tlsa.dane.test")).isInstanceOfSatisfying(DanePolicy.NotApplicable.class,
                n -> assertThat(n.reason()).contains("TLSA records are not DNSSEC-secure"));
    }

    @Test
    void DANE_01_a_bogus_tlsa_set_makes_the_host_unavailable_with_4_4_3() {
        zone.corruptSignature("_25._tcp.mx.dane.test.", Type.TLSA);
        assertThat(policy("dane.test")).isInstanceOfSatisfying(DanePolicy.Unavailable.class, u -> {
            assertThat(u.status()).isEqualTo(DnssecStatus.BOGUS);
            assertThat(u.failureReply().code()).isEqualTo(451);
            assertThat(u.failureReply().enhanced()).isEqualTo("4.4.3");
        });
    }

    @Test
    void DANE_01_a_tlsa_lookup_that_fails_makes_the_host_unavailable_not_opportunistic() {
        dns.servfail("_25._tcp.mx.dane.test.");
        assertThat(policy("dane.test")).isInstanceOfSatisfying(DanePolicy.Unavailable.class,
                u -> assertThat(u.status()).isEqualTo(DnssecStatus.INDETERMINATE));
    }

    @Test
    void DANE_03_tlsa_records_are_not_looked_up_for_the_hosts_of_an_insecure_mx_rrset() {
        // plain.dane.test's MX RRset is unsigned; its one host, mx.dane.test, has secure addresses and TLSA records
        TargetHost host = hosts("plain.dane.test").getFirst();
        assertThat(host.name()).isEqualTo("mx.dane.test");
        assertThat(host.secure()).isFalse();
        assertThat(dane.policyFor("plain.dane.test", host, 25)).isInstanceOf(DanePolicy.NotApplicable.class);
        assertThat(dns.queries("_25._tcp.mx.dane.test.")).isEmpty();
    }

    @Test
    void DANE_03_mx_preference_decides_the_order_not_the_presence_of_tlsa_records() {
        List<TargetHost> order = hosts("order.dane.test");
        assertThat(order).extracting(TargetHost::name).containsExactly("first.order.dane.test", "second.order.dane.test");
        assertThat(order).allMatch(TargetHost::secure);
        assertThat(order).extracting(h -> dane.policyFor("order.dane.test", h, 25).getClass().getSimpleName())
                .containsExactly("NotApplicable", "Verify");
    }

    @Test
    void tlsa_records_are_per_port() {
        assertThat(dane.policyFor("dane.test", hosts("dane.test").getFirst(), 587)).isInstanceOf(DanePolicy.NotApplicable.class);
        assertThat(dns.queries("_587._tcp.mx.dane.test.")).isNotEmpty();
    }

    @Test
    void tls_failures_under_dane_defer_with_4_7_5() {
        DanePolicy p = policy("dane.test");
        assertThat(p.tlsFailureReply("mx.dane.test", "STARTTLS not offered").toString())
                .startsWith("451 4.7.5").contains("mx.dane.test: STARTTLS not offered");
    }

    @Test
    void dane_needs_a_validating_resolver() {
        MxResolver plain = new MxResolver(List.of(dns.address()), Duration.ofSeconds(1), 0);
        assertThatThrownBy(() -> new DaneResolver(plain)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNSSEC");
    }
}
