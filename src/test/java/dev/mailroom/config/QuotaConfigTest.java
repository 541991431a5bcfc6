package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.quota.QuotaLimits;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** [quota], [quota.users] and the per-client connection keys of [limits]. */
class QuotaConfigTest {
    @TempDir
    Path dir;

    private MailroomConfig load(String toml) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + toml);
        return ConfigLoader.load(f);
    }

    @Test
    void theDefaults() throws Exception {
        MailroomConfig c = load("");
        assertThat(c.quota().defaults()).isEqualTo(new QuotaLimits(300, 1000, 3000, 200));
        assertThat(c.quota().accounts()).isEmpty();
        assertThat(c.limits().maxConnectionRatePerClient()).isEqualTo(120);
        assertThat(c.limits().exemptNetworks()).isEmpty();
    }

    @Test
    void anAccountOverridesSomeLimitsAndKeepsTheOthers() throws Exception {
        MailroomConfig c = load("""
                [quota]
                messages_per_hour = 50
                new_recipients_per_day = 0
                [quota.users]
                "bob@example.org" = { messages_per_hour = 7 }
                [quota.users."News@Example.org"]
                messages_per_day = 20000
                recipients_per_day = 0
                [limits]
                max_connection_rate_per_client = 0
                exempt_networks = ["192.0.2.0/24"]
                """);
        assertThat(c.quota().defaults()).isEqualTo(new QuotaLimits(50, 1000, 3000, 0));
        assertThat(c.quota().forAccount("news@example.org")).isEqualTo(new QuotaLimits(50, 20000, 0, 0));
        assertThat(c.quota().forAccount("bob@example.org")).isEqualTo(new QuotaLimits(7, 1000, 3000, 0));
        assertThat(c.quota().forAccount("alice@example.org")).isEqualTo(c.quota().defaults());
        assertThat(c.limits().maxConnectionRatePerClient()).isZero();
        assertThat(c.limits().exemptNetworks().getFirst().contains(InetAddress.ofLiteral("192.0.2.77"))).isTrue();
    }

    @Test
    void theExampleStatesTheDefaults() throws Exception {
        MailroomConfig c = ConfigLoader.load(Path.of("examples/mailroom.toml"));
        assertThat(c.quota().defaults()).isEqualTo(QuotaLimits.DEFAULT);
        assertThat(c.limits().maxConnectionRatePerClient()).isEqualTo(120);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[quota]\\nmessages_per_day = -1 | quota.messages_per_day | must be between 0 and 1000000000, got -1",
            "[quota]\\nmessages_per_hour = 1.5 | quota.messages_per_hour | must be a whole number",
            "[quota]\\nrecipients_per_day = \"100\" | quota.recipients_per_day | must be a whole number",
            "[quota]\\nnew_recipients = 5 | quota.new_recipients | unknown key",
            "[quota.users]\\n\"a@example.org\" = 5 | quota.users.a@example.org | must be a table",
            "[quota.users.\"a@example.org\"]\\nnew_recipients_per_day = -3 | quota.users.a@example.org.new_recipients_per_day | must be between 0 and 1000000000, got -3",
            "[quota.users.\"a@example.org\"]\\nmessages = 3 | quota.users.a@example.org.messages | unknown key",
            "[limits]\\nmax_connection_rate_per_client = -1 | limits.max_connection_rate_per_client | must be between 0 and 1000000, got -1",
            "[limits]\\nexempt_networks = [\"10.0.0.0/33\"] | limits.exempt_networks | ",
    })
    void badValuesNameTheFileTheKeyAndTheReason(String toml, String key, String reason) {
        assertThatThrownBy(() -> load(toml.replace("\\n", "\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.file()).endsWith("mailroom.toml");
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.reason()).contains(reason == null ? "" : reason);
                });
    }
}
