package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.directory.Argon2Parameters;
import dev.mailroom.directory.PasswordHasher;
import dev.mailroom.directory.User;
import dev.mailroom.directory.UsersFile;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mailroom user add|passwd|del|list}. Passwords come from the terminal (asked twice) or, with
 * --password-stdin, from the first line of standard input: never from the command line, where every
 * user of the machine can read them in the process list.
 */
@Command(name = "user", description = "Manage submission users.",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Del.class, UserCommand.ListUsers.class})
final class UserCommand {

    static UsersFile open(ConfigOption config) throws ConfigException, IOException {
        MailroomConfig cfg = config.load();
        MailroomConfig.Auth a = cfg.auth();
        UsersFile.createIfMissing(a.usersFile());
        return new UsersFile(a.usersFile(), new PasswordHasher(
                new Argon2Parameters(a.argon2MemoryKib(), a.argon2Iterations(), a.argon2Parallelism())));
    }

    static String readPassword(boolean fromStdin) throws IOException {
        if (fromStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IOException("no password on standard input");
            }
            return line;
        }
        Console console = System.console();
        if (console == null) {
            throw new IOException("no terminal to ask for the password; use --password-stdin");
        }
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Again: ");
        try {
            if (first == null || first.length == 0 || !Arrays.equals(first, second)) {
                throw new IOException("passwords empty or not the same");
            }
            return new String(first);
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }

    /** A user subcommand: loads the configuration, opens the users file, reports config errors with exit 2. */
    abstract static class UsersFileCommand implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public final Integer call() throws Exception {
            UsersFile users;
            try {
                users = open(config);
            } catch (ConfigException e) {
                System.err.println("mailroom: " + e.getMessage());
                return Main.CONFIG_ERROR;
            }
            return run(users);
        }

        abstract int run(UsersFile users) throws Exception;
    }

    @Command(name = "add", description = "Add a user (the name is usually the e-mail address).")
    static final class Add extends UsersFileCommand {
        @Parameters(index = "0", description = "User name, e.g. alice@example.com")
        String name;
        @Option(names = "--sender", description = "Another address (or @domain) the user may send as; repeatable")
        List<String> senders = List.of();
        @Option(names = "--send-as", description = "An address the user may put in From: with a Sender: header added; repeatable")
        List<String> sendAs = List.of();
        @Option(names = "--password-stdin", description = "Read the password from standard input")
        boolean stdin;

        @Override
        int run(UsersFile users) throws Exception {
            if (users.find(name).isPresent()) {
                System.err.println("mailroom: user " + name + " exists; use 'mailroom user passwd'");
                return 1;
            }
            users.add(name, readPassword(stdin), new LinkedHashSet<>(senders), new LinkedHashSet<>(sendAs));
            System.out.println("added " + name + " to " + users.path());
            return 0;
        }
    }

    @Command(name = "passwd", description = "Set a user's password.")
    static final class Passwd extends UsersFileCommand {
        @Parameters(index = "0")
        String name;
        @Option(names = "--password-stdin", description = "Read the password from standard input")
        boolean stdin;

        @Override
        int run(UsersFile users) throws Exception {
            if (users.find(name).isEmpty()) {
                System.err.println("mailroom: no user " + name);
                return 1;
            }
            users.setPassword(name, readPassword(stdin));
            System.out.println("password changed for " + name);
            return 0;
        }
    }

    @Command(name = "del", description = "Delete a user.")
    static final class Del extends UsersFileCommand {
        @Parameters(index = "0")
        String name;

        @Override
        int run(UsersFile users) throws Exception {
            if (!users.remove(name)) {
                System.err.println("mailroom: no user " + name);
                return 1;
            }
            System.out.println("deleted " + name);
            return 0;
        }
    }

    @Command(name = "list", description = "List users and the addresses they may send as.")
    static final class ListUsers extends UsersFileCommand {

        @Override
        int run(UsersFile users) throws Exception {
            for (User u : users.list()) {
                Set<String> senders = u.senders();
                System.out.println(u.name() + (senders.isEmpty() ? "" : " senders=" + String.join(",", senders))
                        + (u.sendAs().isEmpty() ? "" : " send_as=" + String.join(",", u.sendAs())));
            }
            return 0;
        }
    }
}
