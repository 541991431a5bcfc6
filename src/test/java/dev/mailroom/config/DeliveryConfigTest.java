package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.delivery.Destination;
import dev.mailroom.delivery.RelaySettings.TlsPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The [delivery], [dns] and [local] tables: defaults, values, and every refusal as file: key: reason. */
class DeliveryConfigTest {
    @TempDir
    Path dir;

    private Path write(String body) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + body.replace("\\n", "\n") + "\n");
        return f;
    }

    @Test
    void defaultsKeepTheSmarthostAndRelayLocalMail() throws Exception {
        MailroomConfig c = ConfigLoader.load(write(""));
        assertThat(c.delivery().useSmarthost()).isTrue();
        assertThat(c.delivery().remote().mxPort()).isEqualTo(25);
        assertThat(c.delivery().remote().tls()).isEqualTo(TlsPolicy.OPPORTUNISTIC);
        assertThat(c.delivery().delayNotice()).isEqualTo(Duration.ofHours(4));
        assertThat(c.delivery().destinationConcurrency()).isEqualTo(20);
        assertThat(c.relay().lifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(c.dns().resolvers()).isEmpty();
        assertThat(c.local().mode()).isEqualTo(MailroomConfig.LocalMode.RELAY);
        assertThat(c.local().postmaster()).isEqualTo("postmaster@mail.example.org");
        assertThat(c.local().maildirRoot()).isEqualTo(dir.resolve("data/mail"));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Files.writeString(dir.resolve("aliases"), "team: bob\n");
        MailroomConfig c = ConfigLoader.load(write("""
                [delivery]
                remote = "mx"
                mx_port = 2525
                tls = "required"
                delay_notice_seconds = 60
                double_bounce = true
                destination_concurrency = 3
                active_limit = 500
                [delivery.tls_policy]
                "legacy.example" = "none"
                [delivery.routes]
                "partner.example" = "10.0.0.5:2526"
                "other.example" = "relay.other.example"
                [dns]
                resolvers = ["127.0.0.1:5353", "[::1]:53", "192.0.2.53"]
                timeout_millis = 700
                retries = 2
                [local]
                delivery = "lmtp"
                lmtp = "unix:/run/dovecot/lmtp"
                aliases_file = "aliases"
                plus_separator = "-"
                postmaster = "admin@mail.example.org"
                catch_all = "inbox@mail.example.org"
                """));
        assertThat(c.delivery().useSmarthost()).isFalse();
        assertThat(c.delivery().remote().tlsFor("legacy.example")).isEqualTo(TlsPolicy.NONE);
        assertThat(c.delivery().remote().tlsFor("other.example")).isEqualTo(TlsPolicy.REQUIRED);
        assertThat(c.delivery().routes()).containsEntry("partner.example", new Destination.Host("10.0.0.5", 2526))
                .containsEntry("other.example", new Destination.Host("relay.other.example", 25));
        assertThat(c.dns().resolvers()).containsExactly(new InetSocketAddress("127.0.0.1", 5353),
                new InetSocketAddress("::1", 53), new InetSocketAddress("192.0.2.53", 53));
        assertThat(c.dns().timeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(c.local().mode()).isEqualTo(MailroomConfig.LocalMode.LMTP);
        assertThat(c.local().catchAll()).contains("inbox@mail.example.org");
        assertThat(c.delivery().activeLimit()).isEqualTo(500);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[delivery]\\nremote = \"direct\"                 | delivery.remote                  | must be one of",
            "[delivery]\\nmx_port = 0                         | delivery.mx_port                 | ",
            "[delivery.routes]\\n\"a.example\" = \"h:99999\"  | delivery.routes.a.example        | host:port",
            "[delivery.routes]\\n\"a b\" = \"h\"              | delivery.routes.a b              | not a valid domain",
            "[delivery.tls_policy]\\n\"a.example\" = \"maybe\" | delivery.tls_policy.a.example   | must be one of",
            "[dns]\\nresolvers = [\"dns.example:53\"]          | dns.resolvers                    | numeric address",
            "[local]\\ndelivery = \"lmtp\"                     | local.lmtp                       | needs the LMTP server",
            "[local]\\nlmtp = \"nowhere\"                      | local.lmtp                       | host:port",
            "[local]\\nmaildir_layout = \"{domain}\"           | local.maildir_layout             | {localpart}",
            "[local]\\npostmaster = \"root\"                   | local.postmaster                 | fully qualified",
            "[local]\\ncatch_all = \"<bad\"                    | local.catch_all                  | bad address",
            "[local]\\naliases_file = \"missing\"              | local.aliases_file               | cannot read",
    })
    void errorsNameTheKeyAndTheReason(String body, String key, String reason) throws Exception {
        Path f = write(body);
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.file()).isEqualTo(f.toString());
            assertThat(e.key()).isEqualTo(key);
            if (reason != null) {
                assertThat(e.reason()).contains(reason);
            }
        });
    }

    @Test
    void aBadLineInTheAliasesFileIsNamedWithItsLine() throws Exception {
        Files.writeString(dir.resolve("aliases"), "team: bob\nrun: |/bin/sh\n");
        Path f = write("[local]\naliases_file = \"aliases\"");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.getMessage()).contains("aliases").contains("line 2");
        });
    }
}
