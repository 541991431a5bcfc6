package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * DNSSEC validation (DANE-01) against a real DNS server on loopback serving a zone signed at test time: every
 * answer is secure, insecure, bogus or indeterminate, and bogus data is never used.
 *
 * <p>The tree: {@code dane.test.} signed (the trust anchor), {@code plain.dane.test.} an unsigned child (an insecure
 * delegation, provably without DS), {@code other.example.} outside every trust anchor.
 */
class DnssecValidationTest {
    private TestDnsServer dns;
    private TestZone zone;
    private DnsLookup lookup;
    private MxResolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        zone = dns.signedZone("dane.test.");
        dns.unsignedZone("plain.dane.test.");
        dns.add("""
                $ORIGIN dane.test.
                @      MX    10 mx
                @      MX    20 mx.plain
                mx     A     127.0.0.1
                mx     AAAA  ::1
                www    CNAME mx
                away   CNAME mx.plain
                $ORIGIN plain.dane.test.
                @      MX    10 mx
                mx     A     127.0.0.2
                $ORIGIN other.example.
                @      MX    10 mx
                mx     A     127.0.0.3
                """);
        TrustAnchors anchors = TrustAnchors.parse(zone.trustAnchor());
        lookup = new DnsLookup(List.of(dns.address()), Duration.ofSeconds(2), 0, Optional.of(anchors));
        resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 0, anchors);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private DnsLookup.Validated validate(String name, int type) throws TextParseException {
        return lookup.lookupValidated(Name.fromString(name), type);
    }

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    @Test
    void DANE_01_signed_records_are_secure() throws Exception {
        DnsLookup.Validated mx = validate("mx.dane.test.", Type.A);
        assertThat(mx.status()).isEqualTo(DnssecStatus.SECURE);
        assertThat(mx.answer()).isInstanceOf(Answer.Data.class);
        // the validator fetched the zone's keys itself, with DO set, and the server signed for it
        assertThat(dns.queries("dane.test.")).anyMatch(q -> q.type() == Type.DNSKEY);
    }

    @Test
    void DANE_01_signed_denials_are_secure() throws Exception {
        assertThat(validate("nowhere.dane.test.", Type.A))
                .isEqualTo(new DnsLookup.Validated(new Answer.NxDomain(Name.fromString("nowhere.dane.test.")), DnssecStatus.SECURE));
        assertThat(validate("mx.dane.test.", Type.TLSA))
                .isEqualTo(new DnsLookup.Validated(new Answer.NoData(Name.fromString("mx.dane.test.")), DnssecStatus.SECURE));
        // an empty non-terminal: "_tcp.mx" owns nothing but has a name below it, so it exists (RFC 8020)
        dns.add("_25._tcp.mx.dane.test. TLSA 3 1 1 " + "ab".repeat(32));
        assertThat(validate("_tcp.mx.dane.test.", Type.TLSA))
                .isEqualTo(new DnsLookup.Validated(new Answer.NoData(Name.fromString("_tcp.mx.dane.test.")), DnssecStatus.SECURE));
    }

    @Test
    void DANE_01_a_secure_cname_chain_is_secure_and_one_into_an_unsigned_zone_is_not() throws Exception {
        DnsLookup.Validated www = validate("www.dane.test.", Type.A);
        assertThat(www.status()).isEqualTo(DnssecStatus.SECURE);
        assertThat(((Answer.Data) www.answer()).canonicalName()).isEqualTo(Name.fromString("mx.dane.test."));
        DnsLookup.Validated away = validate("away.dane.test.", Type.A);
        assertThat(away.status()).isEqualTo(DnssecStatus.INSECURE);
        assertThat(((Answer.Data) away.answer()).canonicalName()).isEqualTo(Name.fromString("mx.plain.dane.test."));
    }

    @Test
    void DANE_01_an_unsigned_child_zone_is_provably_insecure() throws Exception {
        assertThat(validate("mx.plain.dane.test.", Type.A).status()).isEqualTo(DnssecStatus.INSECURE);
        assertThat(validate("nowhere.plain.dane.test.", Type.A).answer()).isInstanceOf(Answer.NxDomain.class);
        assertThat(validate("nowhere.plain.dane.test.", Type.A).status()).isEqualTo(DnssecStatus.INSECURE);
        // the proof: the parent's signed NSEC at the delegation point shows NS and no DS
        assertThat(dns.queries("plain.dane.test.")).anyMatch(q -> q.type() == Type.DS);
    }

    @Test
    void DANE_01_names_outside_every_trust_anchor_are_insecure() throws Exception {
        assertThat(validate("mx.other.example.", Type.A).status()).isEqualTo(DnssecStatus.INSECURE);
        assertThat(validate("nowhere.other.example.", Type.A).status()).isEqualTo(DnssecStatus.INSECURE);
    }

    @Test
    void DANE_01_a_tampered_signature_is_bogus_and_the_data_is_not_used() throws Exception {
        zone.corruptSignature("mx.dane.test.", Type.A);
        DnsLookup.Validated mx = validate("mx.dane.test.", Type.A);
        assertThat(mx.status()).isEqualTo(DnssecStatus.BOGUS);
        assertThat(mx.answer()).isInstanceOfSatisfying(Answer.Failure.class,
                f -> assertThat(f.reason()).contains("mx.dane.test").contains("bogus"));
    }

    @Test
    void DANE_01_expired_signatures_are_bogus() throws Exception {
        zone.expireSignatures();
        assertThat(validate("mx.dane.test.", Type.A).status()).isEqualTo(DnssecStatus.BOGUS);
    }

    @Test
    void DANE_01_a_stripped_signature_in_a_signed_zone_is_bogus_not_insecure() throws Exception {
        zone.stripSignature("mx.dane.test.", Type.A);
        assertThat(validate("mx.dane.test.", Type.A).status()).isEqualTo(DnssecStatus.BOGUS);
    }

    @Test
    void DANE_01_a_denial_without_a_valid_proof_is_bogus() throws Exception {
        zone.corruptSignature("mx.dane.test.", Type.NSEC);
        assertThat(validate("mx.dane.test.", Type.TLSA).status()).isEqualTo(DnssecStatus.BOGUS);
    }

    @Test
    void DANE_01_a_trust_anchor_for_other_keys_makes_everything_under_it_bogus() throws Exception {
        TestZone impostor = TestZone.signed(Name.fromString("dane.test."));
        DnsLookup wrongKeys = new DnsLookup(List.of(dns.address()), Duration.ofSeconds(2), 0,
                Optional.of(TrustAnchors.parse(impostor.trustAnchor())));
        assertThat(wrongKeys.lookupValidated(Name.fromString("mx.dane.test."), Type.A).status()).isEqualTo(DnssecStatus.BOGUS);
    }

    @Test
    void DANE_01_servfail_and_silence_are_indeterminate() throws Exception {
        dns.servfail("broken.dane.test.");
        DnsLookup.Validated broken = validate("broken.dane.test.", Type.A);
        assertThat(broken.status()).isEqualTo(DnssecStatus.INDETERMINATE);
        assertThat(broken.answer()).isInstanceOfSatisfying(Answer.Failure.class,
                f -> assertThat(f.reason()).contains("SERVFAIL"));
        dns.drop("silent.dane.test.");
        DnsLookup impatient = new DnsLookup(List.of(dns.address()), Duration.ofMillis(200), 0,
                Optional.of(TrustAnchors.parse(zone.trustAnchor())));
        assertThat(impatient.lookupValidated(Name.fromString("silent.dane.test."), Type.A).status())
                .isEqualTo(DnssecStatus.INDETERMINATE);
    }

    @Test
    void a_chain_of_trust_from_the_parent_zone_through_its_ds_record() throws Exception {
        try (TestDnsServer tree = TestDnsServer.start()) {
            TestZone parent = tree.signedZone("test.");
            tree.signedZone("dane.test.");
            tree.add("mx.dane.test. A 127.0.0.1");
            DnsLookup fromParent = new DnsLookup(List.of(tree.address()), Duration.ofSeconds(2), 0,
                    Optional.of(TrustAnchors.parse(parent.trustAnchor())));
            assertThat(fromParent.lookupValidated(Name.fromString("mx.dane.test."), Type.A).status())
                    .isEqualTo(DnssecStatus.SECURE);
            assertThat(tree.queries("dane.test.")).anyMatch(q -> q.type() == Type.DS);
        }
    }

    @Test
    void DANE_03_mx_hosts_say_whether_the_mx_rrset_and_their_addresses_were_secure() throws Exception {
        assertThat(((Route.Hosts) resolver.resolve("dane.test")).hosts()).containsExactly(
                new TargetHost("mx.dane.test", 10, List.of(ip("127.0.0.1"), ip("::1")), false, true),
                new TargetHost("mx.plain.dane.test", 20, List.of(ip("127.0.0.2")), false, false));
        // an unsigned MX RRset makes no host secure (here one in an unsigned zone, one outside every anchor)
        assertThat(((Route.Hosts) resolver.resolve("plain.dane.test")).hosts())
                .containsExactly(new TargetHost("mx.plain.dane.test", 10, List.of(ip("127.0.0.2")), false, false));
        assertThat(((Route.Hosts) resolver.resolve("other.example")).hosts())
                .containsExactly(new TargetHost("mx.other.example", 10, List.of(ip("127.0.0.3")), false, false));
    }

    @Test
    void an_implicit_mx_is_secure_when_the_absence_of_mx_and_the_addresses_are() throws Exception {
        assertThat(((Route.Hosts) resolver.resolve("mx.dane.test")).hosts())
                .containsExactly(new TargetHost("mx.dane.test", 0, List.of(ip("127.0.0.1"), ip("::1")), true, true));
    }

    @Test
    void DANE_01_a_bogus_mx_rrset_defers_the_domain_with_4_4_3() {
        zone.corruptSignature("dane.test.", Type.MX);
        assertThat(resolver.resolve("dane.test")).isInstanceOfSatisfying(Route.TemporaryFailure.class, f -> {
            assertThat(f.failureReply().code()).isEqualTo(451);
            assertThat(f.failureReply().enhanced()).isEqualTo("4.4.3");
            assertThat(f.failureReply().toString()).contains("bogus");
        });
    }

    @Test
    void DANE_01_a_host_of_a_secure_mx_rrset_with_bogus_addresses_is_skipped() throws Exception {
        zone.corruptSignature("mx.dane.test.", Type.AAAA);
        assertThat(((Route.Hosts) resolver.resolve("dane.test")).hosts())
                .containsExactly(new TargetHost("mx.plain.dane.test", 20, List.of(ip("127.0.0.2")), false, false));
        zone.corruptSignature("mx.dane.test.", Type.A);
        assertThat(resolver.resolve("mx.dane.test")).isInstanceOf(Route.TemporaryFailure.class);
    }

    @Test
    void tlsa_records_are_looked_up_at_the_port_and_protocol_under_the_host() throws Exception {
        dns.add("_25._tcp.mx.dane.test. TLSA 3 1 1 " + "ab".repeat(32));
        assertThat(resolver.tlsa("mx.dane.test", 25)).isInstanceOfSatisfying(TlsaAnswer.Records.class, r -> {
            assertThat(r.secure()).isTrue();
            assertThat(r.records()).singleElement().satisfies(t -> assertThat(t.getCertificateUsage()).isEqualTo(3));
        });
        assertThat(resolver.tlsa("mx.dane.test", 587)).isEqualTo(new TlsaAnswer.NoRecords(true));
        assertThat(resolver.tlsa("mx.other.example", 25)).isEqualTo(new TlsaAnswer.NoRecords(false));
        zone.corruptSignature("_25._tcp.mx.dane.test.", Type.TLSA);
        assertThat(resolver.tlsa("mx.dane.test", 25)).isInstanceOfSatisfying(TlsaAnswer.Failed.class,
                f -> assertThat(f.status()).isEqualTo(DnssecStatus.BOGUS));
    }

    @Test
    void without_trust_anchors_nothing_is_validated_and_nothing_is_secure() throws Exception {
        MxResolver plain = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 0);
        assertThat(plain.validating()).isFalse();
        assertThat(((Route.Hosts) plain.resolve("dane.test")).hosts()).allMatch(h -> !h.secure());
        zone.corruptSignature("mx.dane.test.", Type.A); // not even looked at
        assertThat(((Route.Hosts) plain.resolve("dane.test")).hosts()).hasSize(2);
        assertThat(new DnsLookup(List.of(dns.address()), Duration.ofSeconds(2), 0)
                .lookupValidated(Name.fromString("mx.dane.test."), Type.A).status()).isEqualTo(DnssecStatus.INSECURE);
    }

    @Test
    void the_weakest_status_wins() {
        assertThat(DnssecStatus.SECURE.weakest(DnssecStatus.SECURE)).isEqualTo(DnssecStatus.SECURE);
        assertThat(DnssecStatus.SECURE.weakest(DnssecStatus.INSECURE)).isEqualTo(DnssecStatus.INSECURE);
        assertThat(DnssecStatus.INDETERMINATE.weakest(DnssecStatus.INSECURE)).isEqualTo(DnssecStatus.INDETERMINATE);
        assertThat(DnssecStatus.INDETERMINATE.weakest(DnssecStatus.BOGUS)).isEqualTo(DnssecStatus.BOGUS);
    }
}
