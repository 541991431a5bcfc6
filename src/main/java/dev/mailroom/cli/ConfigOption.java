package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.config.MailroomConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --config option shared by the commands; without it, the embedded defaults under ./data. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, description = "Configuration file (TOML). Default: built-in defaults, data in ./data")
    Path file;

    MailroomConfig load() throws ConfigException {
        return ConfigLoader.load(file);
    }
}
