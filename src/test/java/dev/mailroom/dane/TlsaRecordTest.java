package dev.mailroom.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TLSARecord;

/** TLSA record data (RFC 6698 section 2): parsing, which records an SMTP client can use, and matching. */
class TlsaRecordTest {
    private static X509Certificate cert;
    private static X509Certificate other;

    @BeforeAll
    static void certificates() throws Exception {
        cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "mx.example.org").cert();
        other = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "mx.example.org").cert();
    }

    @Test
    void parses_the_presentation_format_and_prints_it_back() {
        String hex = "2b0f" + "00".repeat(30);
        TlsaRecord r = TlsaRecord.parse("3 1 1 " + hex.substring(0, 20) + " " + hex.substring(20).toUpperCase());
        assertThat(r.usage()).isEqualTo(TlsaRecord.DANE_EE);
        assertThat(r.selector()).isEqualTo(TlsaRecord.SELECTOR_SPKI);
        assertThat(r.matchingType()).isEqualTo(TlsaRecord.MATCH_SHA256);
        assertThat(r.data()).isEqualTo(HexFormat.of().parseHex(hex));
        assertThat(r).hasToString("3 1 1 " + hex);
        assertThat(TlsaRecord.parse(r.toString())).isEqualTo(r).hasSameHashCodeAs(r);
    }

    @Test
    void rejects_text_that_is_not_a_tlsa_record() {
        assertThatThrownBy(() -> TlsaRecord.parse("3 1 1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("usage, selector, matching type and data");
        assertThatThrownBy(() -> TlsaRecord.parse("3 x 1 00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsaRecord.parse("3 1 1 0g")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsaRecord.parse("256 1 1 00")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("octets");
    }

    @Test
    void reads_dnsjava_records() throws Exception {
        byte[] data = new byte[64];
        TLSARecord dns = new TLSARecord(Name.fromString("_25._tcp.mx.example.org."), DClass.IN, 300, 2, 0, 2, data);
        assertThat(TlsaRecord.of(dns)).isEqualTo(new TlsaRecord(2, 0, 2, data));
    }

    @Test
    void the_data_cannot_be_changed_from_outside() {
        byte[] data = new byte[32];
        TlsaRecord r = new TlsaRecord(3, 1, 1, data);
        data[0] = 1;
        r.data()[1] = 1;
        assertThat(r.data()).isEqualTo(new byte[32]);
    }

    @Test
    void DANE_04_only_dane_ta_and_dane_ee_with_known_parameters_are_usable() {
        assertThat(new TlsaRecord(3, 1, 1, new byte[32]).usable()).isTrue();
        assertThat(new TlsaRecord(2, 0, 2, new byte[64]).usable()).isTrue();
        assertThat(new TlsaRecord(3, 0, 0, new byte[] {1}).usable()).isTrue();
        // PKIX-TA(0) and PKIX-EE(1): RFC 7672 section 3.1.3 lets SMTP treat them as unusable
        assertThat(new TlsaRecord(0, 1, 1, new byte[32]).usable()).isFalse();
        assertThat(new TlsaRecord(1, 1, 1, new byte[32]).usable()).isFalse();
        assertThat(new TlsaRecord(4, 1, 1, new byte[32]).usable()).isFalse();
        assertThat(new TlsaRecord(3, 2, 1, new byte[32]).usable()).isFalse();   // unknown selector
        assertThat(new TlsaRecord(3, 1, 3, new byte[32]).usable()).isFalse();   // unknown matching type
        assertThat(new TlsaRecord(3, 1, 1, new byte[31]).usable()).isFalse();   // not a SHA-256 digest
        assertThat(new TlsaRecord(3, 1, 2, new byte[32]).usable()).isFalse();   // not a SHA-512 digest
        assertThat(new TlsaRecord(3, 1, 0, new byte[0]).usable()).isFalse();    // nothing to match
    }

    @Test
    void matches_the_spki_by_sha256_and_sha512_and_in_full() throws Exception {
        for (int matching = 0; matching <= 2; matching++) {
            TlsaRecord r = DanePki.tlsa(3, 1, matching, cert);
            assertThat(r.matches(cert)).as("3 1 %d", matching).isTrue();
            assertThat(r.matches(other)).as("3 1 %d, another key", matching).isFalse();
        }
    }

    @Test
    void matches_the_full_certificate_by_sha256_and_sha512_and_in_full() throws Exception {
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        assertThat(new TlsaRecord(3, 0, 1, sha256).matches(cert)).isTrue();
        assertThat(new TlsaRecord(3, 0, 2, MessageDigest.getInstance("SHA-512").digest(cert.getEncoded())).matches(cert))
                .isTrue();
        assertThat(new TlsaRecord(3, 0, 0, cert.getEncoded()).matches(cert)).isTrue();
        assertThat(new TlsaRecord(3, 0, 1, sha256).matches(other)).isFalse();
        // the selector matters: a digest of the certificate is not a digest of its key
        assertThat(new TlsaRecord(3, 1, 1, sha256).matches(cert)).isFalse();
    }

    @Test
    void an_unusable_record_matches_nothing() throws Exception {
        TlsaRecord pkix = DanePki.tlsa(1, 1, 1, cert);
        assertThat(pkix.matches(cert)).isFalse();
    }
}
