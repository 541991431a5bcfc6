package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check-config refuses bad quota and connection-rate limits with file, key and reason, and exit code 2. */
class CheckQuotaConfigTest {
    @TempDir
    Path dir;

    private MailroomProcess.Result check(String toml) throws Exception {
        Files.writeString(dir.resolve("bad.toml"), "hostname = \"mail.example.org\"\n" + toml);
        return MailroomProcess.run(dir, "", "check-config", "--config", "bad.toml");
    }

    @Test
    void aNegativeLimit() throws Exception {
        MailroomProcess.Result r = check("[quota]\nmessages_per_day = -5\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("bad.toml: quota.messages_per_day: must be between 0 and 1000000000, got -5");
    }

    @Test
    void aLimitThatIsNoWholeNumber() throws Exception {
        MailroomProcess.Result r = check("[quota.users.\"alice@example.org\"]\nrecipients_per_day = 2.5\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("bad.toml: quota.users.alice@example.org.recipients_per_day: must be a whole number");
    }

    @Test
    void aNegativeConnectionRate() throws Exception {
        MailroomProcess.Result r = check("[limits]\nmax_connection_rate_per_client = -1\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("bad.toml: limits.max_connection_rate_per_client: must be between 0 and 1000000, got -1");
    }
}
