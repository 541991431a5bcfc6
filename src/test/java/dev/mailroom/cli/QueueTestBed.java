package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.smtp.SmtpReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the queue command tests share: a smarthost sink that defers mail for remote.example until the test lets it
 * through (and refuses nobody@ for good), a configuration whose back-off is an hour (so only an operator's flush
 * or release explains a delivery within the test), and submission over a trusted plain listener.
 */
final class QueueTestBed {
    static final String CONFIG = "mailroom.toml";
    private static final AtomicLong MARKERS = new AtomicLong();

    private QueueTestBed() {
    }

    /** The smarthost: remote.example is deferred while {@link #accepting} is false; every attempt is counted. */
    static final class ScriptedSink implements AutoCloseable {
        volatile boolean accepting;
        final Map<String, AtomicInteger> rcptAttempts = new ConcurrentHashMap<>();
        final SinkServer server;

        ScriptedSink() throws IOException {
            server = SinkServer.start(SinkServer.SinkSettings.defaults().withBehaviour(new Behaviour() {
                @Override
                public SmtpReply onRcpt(String to, List<String> params) {
                    rcptAttempts.computeIfAbsent(to, k -> new AtomicInteger()).incrementAndGet();
                    if (to.startsWith("nobody@")) {
                        return SmtpReply.of(550, "5.1.1", "no such user here");
                    }
                    if (to.endsWith("@remote.example") && !accepting) {
                        return SmtpReply.of(451, "4.2.1", "mailbox busy, try later");
                    }
                    return SmtpReply.of(250, "2.1.5", "ok");
                }
            }));
        }

        int attempts(String rcpt) {
            AtomicInteger n = rcptAttempts.get(rcpt);
            return n == null ? 0 : n.get();
        }

        List<ReceivedMessage> with(String marker) {
            return server.messages().stream().filter(m -> m.text().contains(marker)).toList();
        }

        ReceivedMessage await(String marker, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                Optional<ReceivedMessage> m = with(marker).stream().findFirst();
                if (m.isPresent()) {
                    return m.get();
                }
                Thread.sleep(20);
            }
            throw new AssertionError("nothing with " + marker + " reached the sink");
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** Writes {@value #CONFIG} into {@code dir}: data under dir/data, a trusted listener, back-off of an hour. */
    static void writeConfig(Path dir, int sinkPort) throws IOException {
        Files.writeString(dir.resolve(CONFIG), """
                hostname = "mail.example.com"
                data_dir = "data"

                [domains]
                default = "example.com"
                local = ["example.com"]

                [[listener]]
                name = "trusted"
                listen = "127.0.0.1:0"
                tls = "none"
                trusted_networks = ["127.0.0.0/8"]

                [relay]
                host = "127.0.0.1"
                port = %d
                retry_initial_seconds = 3600
                retry_max_seconds = 3600
                """.formatted(sinkPort));
    }

    static String marker() {
        return "m" + System.nanoTime() + "-" + MARKERS.incrementAndGet();
    }

    /** Submits a message whose Subject is {@code marker}; returns its queue id. */
    static String submit(int port, String from, String marker, String... rcpts) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            SmtpTestClient.expect(c.cmd("MAIL FROM:<" + from + ">"), 250);
            for (String r : rcpts) {
                SmtpTestClient.expect(c.cmd("RCPT TO:" + r), 250);
            }
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: " + from + "\r\nTo: someone@remote.example\r\nSubject: " + marker + "\r\n\r\nbody\r\n.\r\n");
            SmtpTestClient.Reply queued = c.read();
            SmtpTestClient.expect(queued, 250);
            Matcher m = Pattern.compile("queued as ([0-9A-Z]{15})").matcher(queued.text());
            assertThat(m.find()).as(queued.toString()).isTrue();
            return m.group(1);
        }
    }

    /** Waits until the first delivery attempt of the message has been recorded in its state file. */
    static void awaitAttempted(Path dir, String id) throws Exception {
        FileSpool spool = FileSpool.openForReading(dir.resolve("data/spool"));
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            try {
                if (spool.read(id).state().attempts() > 0) {
                    return;
                }
            } catch (NoSuchFileException e) {
                throw new AssertionError(id + " left the queue instead of being deferred");
            }
            Thread.sleep(20);
        }
        throw new AssertionError(id + " was not attempted");
    }

    static List<String> queued(Path dir) throws IOException {
        return FileSpool.openForReading(dir.resolve("data/spool")).list();
    }

    /** {@code mailroom queue ARGS --config mailroom.toml} as a child process. */
    static MailroomProcess.Result queue(Path dir, String... args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("queue");
        all.addAll(List.of(args));
        all.add("--config");
        all.add(CONFIG);
        return command(dir, all.toArray(String[]::new));
    }

    /**
     * {@code mailroom ARGS} as a short-lived child process; the client compiler alone starts it faster (the
     * command is done before the optimising one would pay off).
     */
    static MailroomProcess.Result command(Path dir, String... args) throws Exception {
        return MailroomProcess.runWithJvmOptions(dir, List.of("-XX:TieredStopAtLevel=1"), "", args);
    }
}
