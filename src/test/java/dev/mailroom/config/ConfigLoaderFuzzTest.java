package dev.mailroom.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target for the configuration loader: whatever the TOML text, {@code check-config} and the start end
 * in a configuration or in a {@link ConfigException} naming the file and a reason (exit code 2), never in
 * another exception. The text goes through a real file, as the CLI reads it. Corpus of TOML edge cases under
 * {@code ConfigLoaderFuzzTestInputs/load/}; longer runs: README, Tests.
 */
class ConfigLoaderFuzzTest {

    /** One directory per JVM, reused for every input (fuzzing runs millions of them). */
    private static final Path FILE = configFile();

    private static Path configFile() {
        try {
            Path dir = Files.createTempDirectory("mailroom-config-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("mailroom.toml");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void load(byte[] toml) throws IOException {
        Files.write(FILE, toml);
        try {
            MailroomConfig config = ConfigLoader.load(FILE);
            assertThat(config).isNotNull();
        } catch (ConfigException e) {
            assertError(e);
        }
        try {
            assertThat(ConfigLoader.dataDir(FILE)).isNotNull();
        } catch (ConfigException e) {
            assertError(e);
        }
    }

    private static void assertError(ConfigException e) {
        assertThat(e.file()).isEqualTo(FILE.toString());
        assertThat(e.reason()).isNotBlank();
    }
}
