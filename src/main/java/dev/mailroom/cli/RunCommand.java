package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.tls.NativeCrypto;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Run the server in the foreground.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--role", description = "all (default), submission or transfer: run one role of a split site; "
            + "the submission role relays everything to [relay], the site's MTA.")
    String role = "all";

    @Override
    public Integer call() throws Exception {
        MailroomConfig cfg;
        MailroomServer server;
        try {
            cfg = config.load();
            cfg = switch (role) {
                case "all" -> cfg;
                case "submission" -> cfg.forRole(MailroomConfig.Role.SUBMISSION);
                case "transfer" -> cfg.forRole(MailroomConfig.Role.TRANSFER);
                default -> throw new ConfigException("--role", "role", "must be all, submission or transfer, got " + role);
            };
            if (cfg.tls().nativeCrypto()) {
                NativeCrypto.enable(); // before any TLS context exists: falls back to the JDK by itself
            }
            server = MailroomServer.start(cfg);
        } catch (ConfigException e) {
            System.err.println("mailroom: " + e.getMessage());
            return Main.CONFIG_ERROR;
        }
        for (var l : cfg.listeners()) {
            System.err.println("mailroom: " + l.name() + " listening on " + l.host() + ":" + server.port(l.name())
                    + " (" + l.tls() + ")");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
