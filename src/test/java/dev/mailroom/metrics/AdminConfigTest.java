package dev.mailroom.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.config.MailroomConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The [admin] table: off without it, loopback 9465 by default, numeric host:port or "" otherwise. */
class AdminConfigTest {
    @TempDir
    Path dir;

    private MailroomConfig load(String toml) throws Exception {
        Path f = dir.resolve("mailroom.toml");
        Files.writeString(f, "hostname = \"mail.example.org\"\n" + toml);
        return ConfigLoader.load(f);
    }

    @Test
    void offWithoutTheTableOrWithAnEmptyListen() throws Exception {
        assertThat(load("").admin().listen()).isEmpty();
        assertThat(load("[admin]\nlisten = \"\"\n").admin().listen()).isEmpty();
    }

    @Test
    void loopbackByDefaultAndAnyNumericAddress() throws Exception {
        assertThat(load("[admin]\n").admin().listen()).contains(new InetSocketAddress("127.0.0.1", 9465));
        assertThat(load("[admin]\nlisten = \"[::1]:9100\"\n").admin().listen()).contains(new InetSocketAddress("::1", 9100));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost:9465", "127.0.0.1:70000", "127.0.0.1:x", ":9465"})
    void badListenNamesFileKeyAndValue(String listen) {
        assertThatThrownBy(() -> load("[admin]\nlisten = \"" + listen + "\"\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("mailroom.toml").contains("admin.listen").contains(listen));
    }

    @Test
    void unknownKeyIsRefused() {
        assertThatThrownBy(() -> load("[admin]\nport = 9465\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.port");
    }
}
