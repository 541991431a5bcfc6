package dev.mailroom.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Name;

/** Trust anchor files: DS or DNSKEY records in master-file format, and the root zone's keys built in. */
class TrustAnchorsTest {

    @Test
    void the_root_zone_key_signing_keys_are_built_in() {
        assertThat(TrustAnchors.rootZone().records()).allSatisfy(r -> {
            assertThat(r.getName()).isEqualTo(Name.root);
            assertThat(r).isInstanceOf(DSRecord.class);
        }).extracting(r -> ((DSRecord) r).getFootprint()).containsExactly(20326, 38696);
    }

    @Test
    void reads_ds_and_dnskey_records_from_a_file(@TempDir Path dir) throws Exception {
        TestZone zone = TestZone.signed(Name.fromString("example.test."));
        Path file = Files.writeString(dir.resolve("anchors"), "; private tree\n" + zone.trustAnchor()
                + zone.dnskeys()[0] + "\n");
        assertThat(TrustAnchors.read(file).records()).hasSize(2).first().isEqualTo(zone.ds());
    }

    @Test
    void a_file_that_cannot_be_used_says_why(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> TrustAnchors.read(dir.resolve("missing")))
                .isInstanceOf(TrustAnchors.InvalidTrustAnchorsException.class).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> TrustAnchors.parse("; nothing\n"))
                .hasMessageContaining("no DS or DNSKEY record");
        assertThatThrownBy(() -> TrustAnchors.parse("example.test. IN A 192.0.2.1\n"))
                .hasMessageContaining("only DS and DNSKEY records").hasMessageContaining("A");
        assertThatThrownBy(() -> TrustAnchors.parse("example.test. IN DS 1 2 three\n"))
                .isInstanceOf(TrustAnchors.InvalidTrustAnchorsException.class).hasMessageContaining("not master-file records");
    }
}
