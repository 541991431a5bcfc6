package dev.mailroom.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.config.MailroomConfig.Role;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration keys of the transfer role: listener role and auth, the [transfer] table. */
class TransferConfigTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + toml);
        return f;
    }

    private static final String MX = "[[listener]]\nname = \"mx\"\nlisten = \"0.0.0.0:25\"\nrole = \"transfer\"\n";

    @Test
    void aListenerIsForSubmissionUnlessItSaysTransfer() throws Exception {
        MailroomConfig c = ConfigLoader.load(write("""
                [[listener]]
                name = "submission"
                listen = "0.0.0.0:587"
                """ + MX));
        assertThat(c.listeners()).extracting(MailroomConfig.Listener::role).containsExactly(Role.SUBMISSION, Role.TRANSFER);
        MailroomConfig.Listener mx = c.listeners().get(1);
        assertThat(mx.tls()).isEqualTo("starttls");
        assertThat(mx.auth()).isFalse();
        assertThat(ConfigLoader.load(null).listeners()).allSatisfy(l -> assertThat(l.role()).isEqualTo(Role.SUBMISSION));
    }

    @Test
    void transferDefaults() throws Exception {
        MailroomConfig.Transfer t = ConfigLoader.load(write(MX)).transfer();
        assertThat(t.relayDomains()).isEmpty();
        assertThat(t.maxReceivedHeaders()).isEqualTo(50);
        assertThat(t.relayNetworks()).isEmpty();
    }

    @Test
    void transferValuesAreRead() throws Exception {
        MailroomConfig c = ConfigLoader.load(write(MX + """
                tls = "none"
                [[listener]]
                name = "mx-tls"
                listen = "0.0.0.0:2525"
                role = "transfer"
                auth = true
                [transfer]
                relay_domains = ["Relay.Example", "bücher.example"]
                max_received_headers = 100
                relay_networks = ["192.0.2.0/24", "2001:db8::/32"]
                """));
        assertThat(c.listeners().get(0).tls()).isEqualTo("none");
        assertThat(c.listeners().get(1).auth()).isTrue();
        MailroomConfig.Transfer t = c.transfer();
        // compared in lower case and A-labels (RFC 6531 section 3.2)
        assertThat(t.relayDomains()).isEqualTo(Set.of("relay.example", "xn--bcher-kva.example"));
        assertThat(t.maxReceivedHeaders()).isEqualTo(100);
        assertThat(t.relayNetworks()).hasSize(2);
        assertThat(t.relayNetworks().getFirst().contains(InetAddress.getByName("192.0.2.200"))).isTrue();
        assertThat(t.relayNetworks().getFirst().contains(InetAddress.getByName("192.0.3.1"))).isFalse();
    }

    @ParameterizedTest(name = "{1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "[[listener]]\\nname = \"a\"\\nlisten = \"127.0.0.1:25\"\\nrole = \"mx\"|listener[0].role|must be one of submission, transfer",
            "[[listener]]\\nname = \"a\"\\nlisten = \"127.0.0.1:25\"\\nrole = 25|listener[0].role|must be a string",
            "MX\\ntls = \"implicit\"|listener[0].tls|starttls or none",
            "MX\\ntls = \"sometimes\"|listener[0].tls|must be one of",
            "MX\\ntrusted_networks = [\"127.0.0.0/8\"]|listener[0].trusted_networks|transfer.relay_networks",
            "MX\\npostmaster_without_auth = true|listener[0].postmaster_without_auth|only for role = \"submission\"",
            "MX\\nauth = \"yes\"|listener[0].auth|true or false",
            "MX\\ntls = \"none\"\\nauth = true|listener[0].auth|only inside TLS",
            "MX\\nbogus = 1|listener[0].bogus|unknown key",
            "[[listener]]\\nname = \"a\"\\nlisten = \"127.0.0.1:587\"\\nauth = true|listener[0].auth|only for role = \"transfer\"",
            "transfer = 1|transfer|must be a table",
            "[transfer]\\nbogus = 1|transfer.bogus|unknown key",
            "[transfer]\\nrelay_domains = \"relay.example\"|transfer.relay_domains|array of strings",
            "[transfer]\\nrelay_domains = [\"not a domain\"]|transfer.relay_domains|not a valid domain",
            "[transfer]\\nrelay_domains = [\"*.example.org\"]|transfer.relay_domains|not a valid domain",
            "[transfer]\\nrelay_domains = [\"[192.0.2.1]\"]|transfer.relay_domains|not a valid domain",
            "[transfer]\\nrelay_domains = [\"MAIL.example.org\"]|transfer.relay_domains|already a local domain",
            "[transfer]\\nmax_received_headers = 5|transfer.max_received_headers|between 20 and 1000",
            "[transfer]\\nmax_received_headers = 1001|transfer.max_received_headers|between 20 and 1000",
            "[transfer]\\nmax_received_headers = \"many\"|transfer.max_received_headers|whole number",
            "[transfer]\\nrelay_networks = [\"example.com\"]|transfer.relay_networks|not an IP",
            "[transfer]\\nrelay_networks = [\"10.0.0.0/33\"]|transfer.relay_networks|bad prefix",
            "[transfer]\\nrelay_networks = [\"0.0.0.0/0\"]|transfer.relay_networks|open relay",
            "[transfer]\\nrelay_networks = [\"::/0\"]|transfer.relay_networks|open relay",
    })
    void errorsNameTheFileTheKeyAndTheReason(String body, String key, String reason) throws Exception {
        Path f = write(body.replace("MX\\n", MX).replace("\\n", "\n") + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.getMessage()).startsWith(f + ": " + key + ": ");
                });
    }

    /**
     * The example documents the transfer listener as a commented block (the example's active listeners are
     * the two submission ports); with the block enabled it must load as documented.
     */
    @Test
    void theExampleTransferListenerLoadsWhenEnabled() throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(Path.of("examples/mailroom.toml")));
        int start = lines.indexOf("# [[listener]]                 # the transfer role: port 25");
        assertThat(start).as("the commented transfer listener in examples/mailroom.toml").isNotNegative();
        for (int i = start; i < lines.size() && lines.get(i).matches("# (\\[\\[listener]]|[a-z_]+ = ).*"); i++) {
            lines.set(i, lines.get(i).substring(2));
        }
        String toml = String.join("\n", lines) + "\n";
        Path f = dir.resolve("example.toml");
        Files.writeString(f, toml);
        MailroomConfig c = ConfigLoader.load(f);
        MailroomConfig.Listener mx = c.listeners().stream().filter(l -> l.role() == Role.TRANSFER).findFirst().orElseThrow();
        assertThat(mx.port()).isEqualTo(25);
        assertThat(mx.tls()).isEqualTo("starttls");
        assertThat(mx.auth()).isFalse();
        assertThat(c.transfer().maxReceivedHeaders()).isEqualTo(50);
        assertThat(c.transfer().relayDomains()).isEmpty();
        assertThat(c.transfer().relayNetworks()).isEmpty();
    }
}
