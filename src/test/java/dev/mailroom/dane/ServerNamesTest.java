package dev.mailroom.dane;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.math.BigInteger;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** RFC 7672 section 3.2.3: which names a server certificate presents and how they match. */
class ServerNamesTest {

    @Test
    void the_dns_names_of_the_subject_alt_name_are_presented_not_the_common_name() throws Exception {
        var cert = DanePki.selfSigned(DanePki.now(-1), DanePki.now(24), "mx.example.org", "*.example.net").cert();
        assertThat(ServerNames.presented(cert)).containsExactly("mx.example.org", "*.example.net");
    }

    @Test
    void without_dns_names_the_common_name_is_presented() throws Exception {
        KeyPair k = DanePki.keys();
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=mx.example.org, O=Example"), BigInteger.ONE,
                Date.from(DanePki.now(-1)), Date.from(DanePki.now(24)), new X500Name("CN=mx.example.org, O=Example"),
                k.getPublic());
        var cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate())));
        assertThat(ServerNames.presented(cert)).containsExactly("mx.example.org");
    }

    @Test
    void names_match_ignoring_case_and_a_final_dot() {
        assertThat(ServerNames.matches("MX.Example.ORG", "mx.example.org.")).isTrue();
        assertThat(ServerNames.matches("mx.example.org", "mx2.example.org")).isFalse();
        assertThat(ServerNames.matches("", "mx.example.org")).isFalse();
    }

    @Test
    void a_wildcard_is_a_whole_leftmost_label_standing_for_exactly_one_label() {
        assertThat(ServerNames.matches("*.example.org", "mx.example.org")).isTrue();
        assertThat(ServerNames.matches("*.example.org", "example.org")).isFalse();
        assertThat(ServerNames.matches("*.example.org", "a.mx.example.org")).isFalse();
        assertThat(ServerNames.matches("mx*.example.org", "mx1.example.org")).isFalse();
        assertThat(ServerNames.matches("*.*.example.org", "a.b.example.org")).isFalse();
        assertThat(ServerNames.matches("*.org", "example.org")).isFalse(); // never a whole top-level domain
        assertThat(ServerNames.matches("mx.example.org", "*.example.org")).isFalse();
    }
}
