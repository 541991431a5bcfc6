package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.queue.StoredMessage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mailroom queue list}: what waits in the spool (the full queue CLI comes with the transfer role). */
@Command(name = "queue", description = "Inspect the queue.", subcommands = {QueueCommand.ListQueue.class})
final class QueueCommand {

    @Command(name = "list", description = "List queued messages.")
    static final class ListQueue implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            MailroomConfig cfg;
            try {
                cfg = config.load();
            } catch (ConfigException e) {
                System.err.println("mailroom: " + e.getMessage());
                return Main.CONFIG_ERROR;
            }
            FileSpool spool = FileSpool.openForReading(cfg.dataDir().resolve("spool"));
            int n = 0;
            for (String id : spool.list()) {
                StoredMessage m = spool.read(id);
                System.out.printf("%s %8d %s <%s> -> %d recipient(s)%s%n", id, m.size(), m.created(),
                        m.envelope().reversePathText(), m.envelope().recipients().size(),
                        m.state().lastError() == null ? "" : " (" + m.state().lastError() + ")");
                n++;
            }
            System.out.println(n + " message(s)");
            return 0;
        }
    }
}
