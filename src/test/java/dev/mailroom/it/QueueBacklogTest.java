package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.config.ConfigLoader;
import dev.mailroom.delivery.Router;
import dev.mailroom.delivery.Scheduler;
import dev.mailroom.delivery.SmtpDelivery;
import dev.mailroom.dns.MxResolver;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue with a backlog: only the near future lives in memory, and a restart in the middle of retries loses
 * nothing.
 */
class QueueBacklogTest {
    @TempDir
    Path dir;

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // nothing listens there once closed: every attempt is deferred
        }
    }

    private static void submit(MailroomFixture mr, int count) throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            for (int i = 0; i < count; i++) {
                expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
                expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
                SmtpTestClient.expect(c.cmd("DATA"), 354);
                c.write(Wire.message("backlog-" + i) + ".\r\n");
                expect(c.read(), 250, "2.0.0");
            }
        }
    }

    private static long stateFiles(Path queue) throws Exception {
        try (Stream<Path> s = Files.list(queue)) {
            return s.filter(p -> p.toString().endsWith(".state")).count();
        }
    }

    @Test
    void aRestartInTheMiddleOfRetriesLosesNothing() throws Exception {
        Path config;
        try (MailroomFixture mr = MailroomFixture.startWithRelayPort(dir, closedPort())) {
            submit(mr, 20);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (stateFiles(mr.spoolQueue()) < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50); // every message tried and deferred at least once
            }
            assertThat(stateFiles(mr.spoolQueue())).isEqualTo(20);
            config = mr.config;
        }
        try (SinkServer sink = SinkServer.start(SinkSettings.defaults())) {
            String toml = Files.readString(config).replaceFirst("(?m)^port = \\d+$", "port = " + sink.port());
            Files.writeString(config, toml);
            try (MailroomServer again = MailroomServer.start(ConfigLoader.load(config))) {
                List<dev.mailroom.sink.ReceivedMessage> got = sink.awaitCount(20, Duration.ofSeconds(30));
                assertThat(got.stream().map(m -> m.text().replaceAll("(?s).*Subject: (backlog-\\d+).*", "$1"))
                        .distinct()).hasSize(20);
            }
        }
    }

    @Test
    void onlyMessagesDueSoonAreKeptInMemoryAndTheScanFindsTheRest() throws Exception {
        // The scheduler alone over a real spool: 60 deferred messages, room for 5 in memory.
        Path spoolDir = dir.resolve("spool");
        FileSpool spool = FileSpool.recover(spoolDir);
        for (int i = 0; i < 60; i++) {
            var w = spool.create(new dev.mailroom.envelope.Envelope(new dev.mailroom.address.Mailbox("a", "example.com"),
                    dev.mailroom.envelope.MailParameters.NONE, List.of(dev.mailroom.envelope.Recipient.of(
                    new dev.mailroom.address.Mailbox("b", "remote.example")))), null);
            w.content().write(("Subject: " + i + "\r\n\r\nx\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            w.commit();
        }
        var relay = ConfigLoader.load(writeRelayConfig(closedPort())).relay();
        SmtpDelivery smtp = new SmtpDelivery(relay, new dev.mailroom.delivery.RemoteSettings("mail.example.com", 25,
                dev.mailroom.delivery.RelaySettings.TlsPolicy.NONE, Map.of()), new MxResolver(List.of(), Duration.ofSeconds(1), 0));
        Scheduler scheduler = new Scheduler(spool, relay, new Router(Set.of(), false, Map.of(), true), smtp, null,
                dev.mailroom.delivery.Notifier.NONE, Clock.systemUTC(), new Scheduler.Limits(5, Duration.ofMillis(300), 20));
        try {
            scheduler.start();
            int most = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (stateFiles(spoolDir.resolve("queue")) < 60 && System.nanoTime() < deadline) {
                most = Math.max(most, scheduler.active());
                Thread.sleep(5);
            }
            assertThat(stateFiles(spoolDir.resolve("queue"))).as("every message attempted").isEqualTo(60);
            assertThat(most).as("messages in memory at once").isLessThanOrEqualTo(5);
            // deferred for retry_initial_seconds (300 s): far beyond the next scan, so none stays in memory
            Thread.sleep(500);
            assertThat(scheduler.active()).isZero();
            List<dev.mailroom.queue.Spool.Due> due = spool.due(Instant.now().plusSeconds(3600), 1000, id -> false);
            assertThat(due).hasSize(60).allSatisfy(d -> assertThat(d.when()).isAfter(Instant.now()));
        } finally {
            scheduler.close();
        }
    }

    private Path writeRelayConfig(int port) throws Exception {
        Path c = dir.resolve("relay.toml");
        Files.writeString(c, "[relay]\nport = " + port + "\ntls = \"none\"\nconcurrency = 4\n");
        return c;
    }
}
