package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailroom check-config} on the [dns] DNSSEC keys, as a real process: exit 2 and file: key: reason. */
class DnssecCheckConfigTest {
    @TempDir
    Path dir;

    @Test
    void a_trust_anchor_file_without_anchors_stops_check_config_with_exit_2() throws Exception {
        Files.writeString(dir.resolve("anchors.txt"), "; emptied by mistake\n");
        Files.writeString(dir.resolve("dane.toml"), """
                hostname = "mail.example.org"
                [dns]
                dnssec = true
                trust_anchors = "anchors.txt"
                """);
        MailroomProcess.Result r = MailroomProcess.run(dir, "", "check-config", "--config", "dane.toml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("dane.toml: dns.trust_anchors: ").contains("anchors.txt: no DS or DNSKEY record");
    }
}
