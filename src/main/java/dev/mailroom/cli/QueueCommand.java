package dev.mailroom.cli;

import dev.mailroom.config.ConfigException;
import dev.mailroom.config.MailroomConfig;
import dev.mailroom.delivery.DsnNotifier;
import dev.mailroom.queue.ControlAnswer;
import dev.mailroom.queue.ControlClient;
import dev.mailroom.queue.ControlRequest;
import dev.mailroom.queue.ControlRequest.Operation;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.queue.MessageReport;
import dev.mailroom.queue.OfflineQueue;
import dev.mailroom.queue.QueueIds;
import dev.mailroom.queue.SpoolLock;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.server.MailroomServer;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mailroom queue list|show|flush|hold|release|delete|bounce} (Postfix's postqueue and postsuper).
 *
 * <p>The reading commands read the spool files, whether a server runs or not. The changing ones go through
 * whoever owns the spool: the running server when it holds {@code spool/server.lock} (a request file it answers,
 * so the change is serialised with its deliveries), else the spool files directly under that lock.
 *
 * <p>Exit codes: 0 done, 1 no such message (or the change failed), 2 configuration error, 3 the running server
 * did not answer in time.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Inspect and manage the queue: through the running server, or in the spool files when none runs.",
        subcommands = {QueueCommand.ListQueue.class, QueueCommand.Show.class, QueueCommand.Flush.class,
                QueueCommand.Hold.class, QueueCommand.Release.class, QueueCommand.Delete.class,
                QueueCommand.Bounce.class})
final class QueueCommand {
    static final int FAILED = 1;
    static final int NO_ANSWER = 3;

    /** A queue subcommand: loads the configuration (exit 2 when it is broken) and finds the spool. */
    abstract static class SpoolCommand implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        /** The loaded configuration, for commands that need more than the spool. */
        MailroomConfig cfg;

        @Override
        public final Integer call() throws Exception {
            try {
                cfg = config.load();
            } catch (ConfigException e) {
                System.err.println("mailroom: " + e.getMessage());
                return Main.CONFIG_ERROR;
            }
            return run(cfg.dataDir().resolve("spool"));
        }

        abstract int run(Path spoolRoot) throws Exception;

        /**
         * The failure notices of an offline bounce, written as the server writes them (same notifier, same
         * settings) into the spool, where the next start finds and sends them.
         */
        OfflineQueue.Notices notices(FileSpool spool) {
            DsnNotifier notifier = MailroomServer.notifier(cfg, spool);
            return (message, failed) -> notifier.changed(message, message.state(), failed);
        }
    }

    static int noSuchMessage(String id) {
        System.err.println("mailroom: no such message: " + MessageReport.printable(id));
        return FAILED;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages: id, size, arrival, sender, pending/all recipients, HELD, last error.")
    static final class ListQueue extends SpoolCommand {
        @Override
        int run(Path spoolRoot) throws IOException {
            FileSpool spool = FileSpool.openForReading(spoolRoot);
            int n = 0;
            for (String id : spool.list()) {
                try {
                    System.out.println(MessageReport.listLine(spool.read(id)));
                    n++;
                } catch (NoSuchFileException e) {
                    // delivered or removed between the listing and the reading
                } catch (IOException e) {
                    System.out.println(id + " damaged: " + MessageReport.printable(e.getMessage()));
                    n++;
                }
            }
            System.out.println(n + " message(s)");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one message: envelope, delivery state per recipient, header section.")
    static final class Show extends SpoolCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "Queue id, as `mailroom queue list` shows it")
        String id;

        @Override
        int run(Path spoolRoot) throws IOException {
            if (!QueueIds.isValid(id)) {
                return noSuchMessage(id);
            }
            StoredMessage m;
            try {
                m = FileSpool.openForReading(spoolRoot).read(id);
            } catch (NoSuchFileException e) {
                return noSuchMessage(id);
            }
            System.out.print(MessageReport.show(m));
            return 0;
        }
    }

    /** A change to one message (or, for flush, to all): through the running server, or offline. */
    abstract static class ChangeCommand extends SpoolCommand {
        @Option(names = "--wait", defaultValue = "10", paramLabel = "SECONDS",
                description = "How long to wait for the running server's answer (default ${DEFAULT-VALUE})")
        long waitSeconds;

        abstract Operation operation();

        /** The message, or null for the whole queue (flush only). */
        abstract String id();

        @Override
        final int run(Path spoolRoot) throws Exception {
            String id = id();
            if (id != null && !QueueIds.isValid(id)) {
                return noSuchMessage(id);
            }
            Duration wait = Duration.ofSeconds(Math.max(1, waitSeconds));
            ControlAnswer answer;
            boolean offline;
            Optional<SpoolLock> lock = SpoolLock.acquire(spoolRoot, SpoolLock.Holder.QUEUE_COMMAND, wait);
            if (lock.isPresent()) {
                // No server runs (it would hold the lock): change the files, and the next start acts on them.
                try (SpoolLock held = lock.get()) {
                    FileSpool spool = FileSpool.openForReading(spoolRoot);
                    answer = new OfflineQueue(spool, Clock.systemUTC(), notices(spool)).actions()
                            .perform(new ControlRequest(operation(), id, Instant.now().plus(wait)));
                }
                offline = true;
            } else {
                try {
                    answer = ControlClient.send(spoolRoot, operation(), id, wait);
                } catch (ControlClient.NoAnswerException e) {
                    System.err.println("mailroom: the running server (" + SpoolLock.holder(spoolRoot)
                            + ") did not answer within " + wait.toSeconds() + " s: " + e.getMessage());
                    return NO_ANSWER;
                }
                offline = false;
            }
            return switch (answer.status()) {
                case OK -> {
                    System.out.println(answer.text() + (offline
                            ? " (no server is running: done in the spool files)" : ""));
                    yield 0;
                }
                case NO_SUCH_MESSAGE -> noSuchMessage(answer.text());
                case ERROR -> {
                    System.err.println("mailroom: " + answer.text());
                    yield FAILED;
                }
            };
        }
    }

    /** A change to exactly one message. */
    abstract static class MessageChange extends ChangeCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "Queue id, as `mailroom queue list` shows it")
        String id;

        @Override
        String id() {
            return id;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true, description = "Deliver now, whatever the back-off says: one message, or every message. Held ones stay held.")
    static final class Flush extends ChangeCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Queue id; none: every message")
        String id;

        @Override
        Operation operation() {
            return Operation.FLUSH;
        }

        @Override
        String id() {
            return id;
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true, description = "Put a message on hold: no delivery until it is released.")
    static final class Hold extends MessageChange {
        @Override
        Operation operation() {
            return Operation.HOLD;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Release a held message and deliver it now.")
    static final class Release extends MessageChange {
        @Override
        Operation operation() {
            return Operation.RELEASE;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a message for good, without telling its sender.")
    static final class Delete extends MessageChange {
        @Override
        Operation operation() {
            return Operation.DELETE;
        }
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true, description = "Return a message to its sender now (a failure notice) and remove it. Needs the running server.")
    static final class Bounce extends MessageChange {
        @Override
        Operation operation() {
            return Operation.BOUNCE;
        }
    }
}
