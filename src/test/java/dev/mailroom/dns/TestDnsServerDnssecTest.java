package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The test DNS server's signed zones, checked with dnsjava's own signature verification rather than with the
 * validator under test: RRSIGs verify with the zone's keys, denials carry the NSEC records that prove them.
 */
class TestDnsServerDnssecTest {
    private TestDnsServer dns;
    private TestZone zone;
    private SimpleResolver dnssecClient;
    private SimpleResolver plainClient;

    @BeforeEach
    void start() throws IOException {
        dns = TestDnsServer.start();
        zone = dns.signedZone("dane.test.");
        dns.unsignedZone("plain.dane.test.");
        dns.add("mx.dane.test. A 127.0.0.1", "mx.dane.test. A 127.0.0.2", "z.dane.test. TXT \"last\"",
                "mx.plain.dane.test. A 127.0.0.3");
        dnssecClient = new SimpleResolver(dns.address());
        dnssecClient.setEDNS(0, 0, ExtendedFlags.DO);
        dnssecClient.setTimeout(Duration.ofSeconds(2));
        plainClient = new SimpleResolver(dns.address());
        plainClient.setTimeout(Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static Message ask(SimpleResolver client, String name, int type) throws IOException {
        return client.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private RRset keys() {
        return new RRset(zone.dnskeys());
    }

    /** Verifies the RRSIG of one RRset of a section with whichever zone key signed it. */
    private void assertSigned(Message m, int section, String name, int type) throws Exception {
        Name owner = Name.fromString(name);
        RRset set = m.getSectionRRsets(section).stream()
                .filter(s -> s.getName().equals(owner) && s.getType() == type).findFirst().orElseThrow();
        assertThat(set.sigs()).hasSize(1);
        RRSIGRecord sig = set.sigs().getFirst();
        DNSKEYRecord key = (DNSKEYRecord) keys().rrs().stream()
                .filter(k -> ((DNSKEYRecord) k).getFootprint() == sig.getFootprint()).findFirst().orElseThrow();
        DNSSEC.verify(set, sig, key); // throws when the signature does not verify
    }

    @Test
    void answers_to_do_queries_carry_signatures_that_verify_and_plain_queries_none() throws Exception {
        Message signed = ask(dnssecClient, "mx.dane.test.", Type.A);
        assertThat(signed.getOPT().getFlags() & ExtendedFlags.DO).isNotZero();
        assertSigned(signed, Section.ANSWER, "mx.dane.test.", Type.A);
        assertThat(ask(plainClient, "mx.dane.test.", Type.A).getSection(Section.ANSWER))
                .hasSize(2).noneMatch(r -> r instanceof RRSIGRecord);
    }

    @Test
    void the_key_set_is_signed_by_the_key_signing_key_and_matches_the_trust_anchor() throws Exception {
        Message m = ask(dnssecClient, "dane.test.", Type.DNSKEY);
        assertSigned(m, Section.ANSWER, "dane.test.", Type.DNSKEY);
        DNSKEYRecord ksk = zone.dnskeys()[0];
        assertThat(ksk.getFlags()).isEqualTo(257);
        assertThat(m.getSectionRRsets(Section.ANSWER).getFirst().sigs().getFirst().getFootprint()).isEqualTo(ksk.getFootprint());
        assertThat(zone.trustAnchor()).startsWith("dane.test.").contains("DS").contains(ksk.getFootprint() + " 13 2 ");
    }

    @Test
    void nxdomain_carries_the_soa_and_nsec_records_covering_the_name_and_the_wildcard() throws Exception {
        Message m = ask(dnssecClient, "nothing.dane.test.", Type.A);
        assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertSigned(m, Section.AUTHORITY, "dane.test.", Type.SOA);
        List<NSECRecord> nsecs = m.getSection(Section.AUTHORITY).stream()
                .filter(r -> r instanceof NSECRecord).map(NSECRecord.class::cast).toList();
        // canonical order: dane.test. < mx < plain < z; "nothing" falls between mx and plain, "*" before mx
        assertThat(nsecs).extracting(r -> r.getName() + ">" + r.getNext())
                .containsExactlyInAnyOrder("mx.dane.test.>plain.dane.test.", "dane.test.>mx.dane.test.");
        for (NSECRecord n : nsecs) {
            assertSigned(m, Section.AUTHORITY, n.getName().toString(), Type.NSEC);
        }
    }

    @Test
    void nodata_carries_the_nsec_of_the_name_without_the_asked_type() throws Exception {
        Message m = ask(dnssecClient, "mx.dane.test.", Type.TLSA);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        NSECRecord nsec = (NSECRecord) m.getSection(Section.AUTHORITY).stream().filter(r -> r instanceof NSECRecord)
                .findFirst().orElseThrow();
        assertThat(nsec.getName()).isEqualTo(Name.fromString("mx.dane.test."));
        assertThat(nsec.hasType(Type.A)).isTrue();
        assertThat(nsec.hasType(Type.TLSA)).isFalse();
    }

    @Test
    void an_unsigned_child_is_a_delegation_without_ds_in_the_signed_parent() throws Exception {
        Message ds = ask(dnssecClient, "plain.dane.test.", Type.DS);
        assertThat(ds.getRcode()).isEqualTo(Rcode.NOERROR);
        NSECRecord cut = (NSECRecord) ds.getSection(Section.AUTHORITY).stream().filter(r -> r instanceof NSECRecord)
                .findFirst().orElseThrow();
        assertThat(cut.getName()).isEqualTo(Name.fromString("plain.dane.test."));
        assertThat(cut.hasType(Type.NS)).isTrue();
        assertThat(cut.hasType(Type.DS)).isFalse();
        assertThat(cut.hasType(Type.SOA)).isFalse();
        // the child's own answers are unsigned, its denials carry its own SOA
        assertThat(ask(dnssecClient, "mx.plain.dane.test.", Type.A).getSection(Section.ANSWER)).noneMatch(r -> r instanceof RRSIGRecord);
        assertThat(ask(dnssecClient, "none.plain.dane.test.", Type.A).getSection(Section.AUTHORITY))
                .singleElement().satisfies(r -> assertThat(((SOARecord) r).getName()).isEqualTo(Name.fromString("plain.dane.test.")));
    }

    @Test
    void a_signed_parent_publishes_the_ds_of_a_signed_child() throws Exception {
        TestZone child = dns.signedZone("signed.dane.test.");
        Message m = ask(dnssecClient, "signed.dane.test.", Type.DS);
        assertThat(m.getSection(Section.ANSWER)).filteredOn(r -> r instanceof DSRecord).singleElement()
                .isEqualTo(child.ds());
        assertSigned(m, Section.ANSWER, "signed.dane.test.", Type.DS);
    }

    @Test
    void a_corrupted_signature_no_longer_verifies_and_a_stripped_one_is_gone() throws Exception {
        zone.corruptSignature("mx.dane.test.", Type.A);
        assertThatThrownBy(() -> assertSigned(ask(dnssecClient, "mx.dane.test.", Type.A), Section.ANSWER,
                "mx.dane.test.", Type.A)).isInstanceOf(DNSSEC.DNSSECException.class);
        zone.stripSignature("mx.dane.test.", Type.A);
        assertThat(ask(dnssecClient, "mx.dane.test.", Type.A).getSection(Section.ANSWER))
                .hasSize(2).noneMatch(r -> r instanceof RRSIGRecord);
    }

    @Test
    void expired_signatures_say_so() throws Exception {
        zone.expireSignatures();
        assertThatThrownBy(() -> assertSigned(ask(dnssecClient, "mx.dane.test.", Type.A), Section.ANSWER,
                "mx.dane.test.", Type.A)).isInstanceOf(DNSSEC.SignatureExpiredException.class);
    }
}
