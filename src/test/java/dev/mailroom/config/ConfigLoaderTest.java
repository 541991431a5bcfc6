package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, toml);
        return f;
    }

    @Test
    void embeddedDefaultsListenOnLoopbackWithStartTlsAndImplicitTls() throws Exception {
        MailroomConfig c = ConfigLoader.load(null);
        assertThat(c.listeners()).extracting(MailroomConfig.Listener::name, MailroomConfig.Listener::port,
                MailroomConfig.Listener::tls).containsExactly(
                org.assertj.core.groups.Tuple.tuple("submission", 2587, "starttls"),
                org.assertj.core.groups.Tuple.tuple("submissions", 2465, "implicit"));
        assertThat(c.listeners()).allSatisfy(l -> assertThat(l.host()).isEqualTo("127.0.0.1"));
        assertThat(c.tls().selfSigned()).isTrue();
        assertThat(c.limits().maxRecipients()).isEqualTo(100);
        assertThat(c.limits().commandTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.relay().port()).isEqualTo(2525);
    }

    @Test
    void theExampleConfigurationLoads() throws Exception {
        MailroomConfig c = ConfigLoader.load(Path.of("examples/mailroom.toml"));
        assertThat(c.hostname()).isEqualTo("mail.example.com");
        assertThat(c.listeners()).hasSize(2);
        assertThat(c.auth().argon2MemoryKib()).isEqualTo(19456);
    }

    @Test
    void relativePathsResolveAgainstTheConfigurationFile() throws Exception {
        MailroomConfig c = ConfigLoader.load(write("hostname = \"mail.example.org\"\ndata_dir = \"d\"\n"));
        assertThat(c.dataDir()).isEqualTo(dir.resolve("d"));
        assertThat(c.auth().usersFile()).isEqualTo(dir.resolve("d/users"));
    }

    @ParameterizedTest
    @CsvSource({"data_dir,", "auth.users_file,[auth]"})
    void aPathWithANulIsAConfigErrorNamingTheKey(String key, String table) throws Exception {
        // Found by ConfigLoaderFuzzTest: the NUL used to escape as InvalidPathException instead of exit code 2.
        String name = key.substring(key.lastIndexOf('.') + 1);
        Path f = write((table == null ? "" : table + "\n") + name + " = \"a\\u0000b\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.file()).isEqualTo(f.toString());
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.reason()).startsWith("not a valid path: ");
                });
    }

    @Test
    void anIntegerBeyond64BitsIsOutOfRangeNotWrapped() throws Exception {
        // 2^64 + 1: Jackson's asLong() gives 1, which used to pass as max_recipients = 1.
        Path f = write("[limits]\nmax_recipients = 18446744073709551617\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("limits.max_recipients");
                    assertThat(e.reason()).startsWith("must be between ").endsWith("got 18446744073709551617");
                });
    }

    @Test
    void listenersTrustedNetworksAndAliasesAreRead() throws Exception {
        MailroomConfig c = ConfigLoader.load(write("""
                hostname = "mail.example.org"
                [[listener]]
                name = "bench"
                listen = "[::1]:0"
                tls = "none"
                trusted_networks = ["127.0.0.0/8", "::1"]
                [policy.aliases]
                "Sales@Example.org" = ["alice@example.org", "bob@example.org"]
                """));
        MailroomConfig.Listener l = c.listeners().getFirst();
        assertThat(l.host()).isEqualTo("::1");
        assertThat(l.trustedNetworks()).hasSize(2);
        assertThat(l.trustedNetworks().getFirst().contains(java.net.InetAddress.getByName("127.1.2.3"))).isTrue();
        assertThat(l.trustedNetworks().getFirst().contains(java.net.InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(c.policy().aliases()).containsEntry("sales@example.org", java.util.List.of("alice@example.org", "bob@example.org"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "bogus = 1|bogus|unknown key",
            "[limits]\\nmax_recipients = 5|limits.max_recipients|between 100",
            "[limits]\\nmax_message_size = \"big\"|limits.max_message_size|whole number",
            "[relay]\\ntls = \"sometimes\"|relay.tls|must be one of",
            "[[listener]]\\nname = \"a\"\\nlisten = \"nohost\"|listener[0].listen|host:port",
            "[[listener]]\\nname = \"a\"\\nlisten = \"127.0.0.1:1\"\\ntrusted_networks = [\"example.com\"]|listener[0].trusted_networks|not an IP",
            "[tls]\\ncertificate = \"c.pem\"|tls.private_key|go together",
            "[policy.aliases]\\n\"x@example.org\" = [\"not an address\"]|policy.aliases.x@example.org|bad target",
            "[relay]\\nusername = \"u\"|relay.password_file|without password_file",
            "[domains]\\ndefault = \"intranet\"|domains.default|fully qualified",
    })
    void errorsNameTheFileTheKeyAndTheReason(String body, String key, String reason) throws Exception {
        Path f = write("hostname = \"mail.example.org\"\n" + body.replace("\\n", "\n") + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.file()).isEqualTo(f.toString());
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.getMessage()).startsWith(f + ": " + key + ": ");
                });
    }

    @Test
    void invalidTomlIsAnError() throws Exception {
        Path f = write("hostname = \n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class).hasMessageContaining("not valid TOML");
    }

    @Test
    void aMissingFileIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.toml"))).hasMessageEndingWith("file not found");
    }

    @Test
    void theRelayPasswordComesFromItsFileNotTheConfiguration() throws Exception {
        Files.writeString(dir.resolve("pass"), "s3cret\n");
        MailroomConfig c = ConfigLoader.load(write("hostname = \"mail.example.org\"\n[relay]\nusername = \"u\"\npassword_file = \"pass\"\n"));
        assertThat(c.relay().password()).contains("s3cret");
        assertThat(c.relay().toString()).doesNotContain("s3cret");
    }
}
