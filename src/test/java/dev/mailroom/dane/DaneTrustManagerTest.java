package dev.mailroom.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DANE certificate check (RFC 7672 section 3) with real certificates: DANE-EE(3) ignores names and dates,
 * DANE-TA(2) verifies the chain up to the matching anchor and the server's names.
 */
class DaneTrustManagerTest {
    private static final String MX = "mx.dane.test";
    private static final String DOMAIN = "dane.test";

    private static DanePki.Issued ca;
    private static DanePki.Issued otherCa;

    @BeforeAll
    static void authorities() throws Exception {
        ca = DanePki.ca("DANE Test CA");
        otherCa = DanePki.ca("DANE Test CA"); // the same name, another key: a forger's CA
    }

    private static DaneTrustManager trusting(TlsaRecord... records) {
        return new TlsaSet(MX, List.of(MX, DOMAIN), List.of(records)).trustManager();
    }

    private static X509Certificate[] chain(X509Certificate... certs) {
        return certs;
    }

    @Test
    void DANE_04_dane_ee_accepts_a_self_signed_certificate_with_a_wrong_name_and_expired_dates() throws Exception {
        X509Certificate cert = DanePki.selfSigned(DanePki.now(-24 * 400), DanePki.now(-24 * 30), "wrong.example").cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(3, 1, 1, cert));
        assertThatCode(() -> tm.checkServerTrusted(chain(cert), "UNKNOWN")).doesNotThrowAnyException();
    }

    @Test
    void dane_ee_rejects_a_certificate_the_records_do_not_describe() throws Exception {
        X509Certificate published = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX).cert();
        X509Certificate presented = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX).cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(3, 1, 1, published));
        assertThatThrownBy(() -> tm.checkServerTrusted(chain(presented), "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("no TLSA record of " + MX + " matches");
    }

    @Test
    void dane_ee_matches_every_selector_and_matching_type() throws Exception {
        X509Certificate cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "any.example").cert();
        for (int selector = 0; selector <= 1; selector++) {
            for (int matching = 0; matching <= 2; matching++) {
                DaneTrustManager tm = trusting(DanePki.tlsa(3, selector, matching, cert));
                assertThatCode(() -> tm.verify(chain(cert))).as("3 %d %d", selector, matching).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void dane_ee_describes_the_server_certificate_only_not_its_issuer() throws Exception {
        DanePki.Issued leaf = DanePki.leaf(ca, MX);
        DaneTrustManager tm = trusting(DanePki.tlsa(3, 1, 1, ca.cert()));
        assertThatThrownBy(() -> tm.verify(chain(leaf.cert(), ca.cert()))).isInstanceOf(CertificateException.class);
    }

    @Test
    void dane_ta_accepts_a_server_certificate_under_the_anchor_that_names_the_mx_host() throws Exception {
        X509Certificate leaf = DanePki.leaf(ca, MX).cert();
        for (TlsaRecord r : List.of(DanePki.tlsa(2, 0, 1, ca.cert()), DanePki.tlsa(2, 1, 1, ca.cert()),
                DanePki.tlsa(2, 1, 2, ca.cert()), DanePki.tlsa(2, 0, 0, ca.cert()))) {
            assertThatCode(() -> trusting(r).checkServerTrusted(chain(leaf, ca.cert()), "UNKNOWN"))
                    .as(r.usage() + " " + r.selector() + " " + r.matchingType()).doesNotThrowAnyException();
        }
    }

    @Test
    void DANE_04_dane_ta_rejects_a_server_certificate_with_a_wrong_name() throws Exception {
        X509Certificate leaf = DanePki.leaf(ca, "mx.elsewhere.example").cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(2, 0, 1, ca.cert()));
        assertThatThrownBy(() -> tm.checkServerTrusted(chain(leaf, ca.cert()), "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("mx.elsewhere.example")
                .hasMessageContaining(MX);
    }

    @Test
    void dane_ta_accepts_the_next_hop_domain_and_a_wildcard_for_the_mx_host() throws Exception {
        DaneTrustManager tm = trusting(DanePki.tlsa(2, 1, 1, ca.cert()));
        X509Certificate nextHop = DanePki.leaf(ca, DOMAIN).cert();
        X509Certificate wildcard = DanePki.leaf(ca, "*.dane.test").cert();
        X509Certificate tooWide = DanePki.leaf(ca, "*.test").cert();
        assertThatCode(() -> tm.verify(chain(nextHop, ca.cert()))).doesNotThrowAnyException();
        assertThatCode(() -> tm.verify(chain(wildcard, ca.cert()))).doesNotThrowAnyException();
        assertThatThrownBy(() -> tm.verify(chain(tooWide, ca.cert()))).isInstanceOf(CertificateException.class);
    }

    @Test
    void dane_ta_verifies_through_an_intermediate_whichever_of_them_the_record_names() throws Exception {
        DanePki.Issued intermediate = DanePki.intermediate("DANE Test Intermediate", ca);
        X509Certificate leaf = DanePki.leaf(intermediate, MX).cert();
        X509Certificate[] sent = chain(leaf, intermediate.cert(), ca.cert());
        assertThatCode(() -> trusting(DanePki.tlsa(2, 1, 1, ca.cert())).verify(sent)).doesNotThrowAnyException();
        assertThatCode(() -> trusting(DanePki.tlsa(2, 1, 1, intermediate.cert())).verify(sent)).doesNotThrowAnyException();
    }

    @Test
    void dane_ta_rejects_a_certificate_signed_by_another_key_under_the_same_name() throws Exception {
        X509Certificate forged = DanePki.leaf(otherCa, MX).cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(2, 1, 1, ca.cert()));
        assertThatThrownBy(() -> tm.verify(chain(forged, ca.cert())))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void dane_ta_needs_the_anchor_in_the_chain_the_server_sends() throws Exception {
        X509Certificate leaf = DanePki.leaf(ca, MX).cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(2, 1, 1, ca.cert()));
        assertThatThrownBy(() -> tm.verify(chain(leaf))).isInstanceOf(CertificateException.class)
                .hasMessageContaining("no TLSA record");
    }

    @Test
    void dane_ta_checks_the_dates_of_the_certificates_below_the_anchor() throws Exception {
        X509Certificate expired = DanePki.leaf(ca, DanePki.now(-24 * 60), DanePki.now(-24), MX).cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(2, 1, 1, ca.cert()));
        assertThatThrownBy(() -> tm.verify(chain(expired, ca.cert()))).isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void a_self_signed_server_certificate_named_by_a_dane_ta_record_still_needs_the_right_name() throws Exception {
        X509Certificate right = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX).cert();
        X509Certificate wrong = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "wrong.example").cert();
        assertThatCode(() -> trusting(DanePki.tlsa(2, 0, 1, right)).verify(chain(right))).doesNotThrowAnyException();
        assertThatThrownBy(() -> trusting(DanePki.tlsa(2, 0, 1, wrong)).verify(chain(wrong)))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void any_matching_record_of_the_set_is_enough() throws Exception {
        X509Certificate cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "any.example").cert();
        X509Certificate rolledOver = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "any.example").cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(3, 1, 1, rolledOver), DanePki.tlsa(3, 1, 1, cert));
        assertThatCode(() -> tm.verify(chain(cert))).doesNotThrowAnyException();
    }

    @Test
    void no_chain_no_client_certificates_no_accepted_issuers() throws Exception {
        X509Certificate cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX).cert();
        DaneTrustManager tm = trusting(DanePki.tlsa(3, 1, 1, cert));
        assertThatThrownBy(() -> tm.verify(new X509Certificate[0])).isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> tm.checkClientTrusted(chain(cert), "UNKNOWN")).isInstanceOf(CertificateException.class);
        assertThat(tm.getAcceptedIssuers()).isEmpty();
    }

    @Test
    void a_tlsa_set_holds_only_usable_records_and_names_its_base_domain() throws Exception {
        X509Certificate cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), MX).cert();
        assertThatThrownBy(() -> new TlsaSet(MX, List.of(MX), List.of(DanePki.tlsa(1, 1, 1, cert))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TlsaSet(MX, List.of(DOMAIN), List.of(DanePki.tlsa(3, 1, 1, cert))))
                .isInstanceOf(IllegalArgumentException.class);
        TlsaSet set = new TlsaSet("MX.Dane.Test.", List.of("MX.Dane.Test.", "Dane.Test"), List.of(DanePki.tlsa(3, 1, 1, cert)));
        assertThat(set.baseDomain()).isEqualTo(MX);
        assertThat(set.referenceNames()).containsExactly(MX, DOMAIN);
    }
}
