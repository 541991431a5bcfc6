package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.tls.NativeCrypto;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", description = "Run the server in the foreground.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        MailroomConfig cfg;
        MailroomServer server;
        try {
            cfg = config.load();
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
