package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.dns.TestZone;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.dns.TrustAnchors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DSRecord;

/** [dns] dnssec and trust_anchors: the default, the built-in root keys, a file, and each refusal as file: key: reason. */
class DnssecConfigTest {
    @TempDir
    Path dir;

    private Path write(String body) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + body + "\n");
        return f;
    }

    @Test
    void validation_is_off_by_default() throws Exception {
        assertThat(ConfigLoader.load(write("")).dns().dnssec()).isEmpty();
        assertThat(ConfigLoader.load(write("[dns]\ndnssec = false")).dns().dnssec()).isEmpty();
    }

    @Test
    void dnssec_validates_from_the_root_zone_keys_unless_a_file_says_otherwise() throws Exception {
        TrustAnchors root = ConfigLoader.load(write("[dns]\ndnssec = true")).dns().dnssec().orElseThrow();
        assertThat(root.records()).extracting(r -> ((DSRecord) r).getFootprint()).containsExactly(20326, 38696);
    }

    @Test
    void a_trust_anchor_file_is_read_relative_to_the_configuration() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            TestZone zone = dns.signedZone("example.test.");
            Files.writeString(dir.resolve("anchors.txt"), zone.trustAnchor());
            TrustAnchors anchors = ConfigLoader.load(write("[dns]\ndnssec = true\ntrust_anchors = \"anchors.txt\""))
                    .dns().dnssec().orElseThrow();
            assertThat(anchors.records()).containsExactly(zone.ds());
        }
    }

    @Test
    void trust_anchors_without_dnssec_is_an_error() throws Exception {
        Files.writeString(dir.resolve("anchors.txt"), ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
        Path f = write("[dns]\ntrust_anchors = \"anchors.txt\"");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("dns.trust_anchors: trust anchors are only used with dnssec = true");
    }

    @Test
    void an_unusable_trust_anchor_file_names_the_key_the_file_and_the_reason() throws Exception {
        Files.writeString(dir.resolve("anchors.txt"), "example.test. IN A 192.0.2.1\n");
        assertThatThrownBy(() -> ConfigLoader.load(write("[dns]\ndnssec = true\ntrust_anchors = \"anchors.txt\"")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dns.trust_anchors: " + dir.resolve("anchors.txt"))
                .hasMessageContaining("only DS and DNSKEY records");
        assertThatThrownBy(() -> ConfigLoader.load(write("[dns]\ndnssec = true\ntrust_anchors = \"missing.txt\"")))
                .hasMessageContaining("dns.trust_anchors: ").hasMessageContaining("cannot read");
        assertThatThrownBy(() -> ConfigLoader.load(write("[dns]\ndnssec = \"yes\"")))
                .hasMessageContaining("dns.dnssec: must be true or false");
    }
}
