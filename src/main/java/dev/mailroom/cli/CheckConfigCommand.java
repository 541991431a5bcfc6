package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "check-config", description = "Check the configuration; print file, key and reason of an error and exit 2.")
final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        try {
            MailroomConfig cfg = config.load();
            String remote = cfg.delivery().useSmarthost()
                    ? "smarthost " + cfg.relay().host() + ":" + cfg.relay().port() : "MX hosts";
            String local = switch (cfg.local().mode()) {
                case RELAY -> "like remote mail";
                case MAILDIR -> "Maildir under " + cfg.local().maildirRoot();
                case LMTP -> "LMTP " + cfg.local().lmtp().orElse("?");
            };
            System.out.println("configuration OK: hostname " + cfg.hostname() + ", " + cfg.listeners().size()
                    + " listener(s); remote mail to " + remote + "; local mail " + local);
            return 0;
        } catch (ConfigException e) {
            System.err.println("mailroom: " + e.getMessage());
            return Main.CONFIG_ERROR;
        }
    }
}
