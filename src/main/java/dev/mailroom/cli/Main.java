package dev.mailroom.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one binary: {@code mailroom run | check-config | user | queue | sink}. */
@Command(name = "mailroom", mixinStandardHelpOptions = true, version = "Mailroom 0.1.0",
        description = "An RFC 6409 submission server.",
        subcommands = {RunCommand.class, CheckConfigCommand.class, UserCommand.class, QueueCommand.class,
                SinkCommand.class, DkimCommand.class})
public final class Main {

    /** Exit code for configuration errors: file, key, reason on stderr. */
    public static final int CONFIG_ERROR = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }
}
