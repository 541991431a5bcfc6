package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.cli.SendingLoad.Outcome;
import dev.mailroom.queue.FileSpool;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import dev.mailroom.it.SmtpTestClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first promise under load: a message that got 250 is delivered at least once, whatever happens to the server
 * (SIGKILL at random moments) or to the next hop (the smarthost going away and coming back); a message that got an
 * error or whose data never fully left the client is never delivered. Duplicates are allowed only where a crash
 * or an outage cut a delivery between the peer's 250 and the spool's record of it, so they are bounded by the
 * deliveries in progress at each cut ({@code relay.concurrency} per cut). The counts are printed as the report.
 */
class CrashSafetyTest {
    private static final Pattern LISTENING = Pattern.compile("trusted listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final int SESSIONS = 20;
    private static final int CONCURRENCY = 8;
    private static final int CUTS = 5;
    private static final String FROM = "alice@example.com";
    private static final String TO = "carol@remote.example";

    @TempDir
    Path dir;

    @Test
    void fiveKillsUnderLoadLoseNothingThatGot250() throws Exception {
        try (SinkServer sink = SinkServer.start(SinkSettings.defaults())) {
            writeConfig(sink.port());
            SendingLoad load = new SendingLoad(SESSIONS, FROM, TO);
            try {
                for (int kill = 1; kill <= CUTS; kill++) {
                    try (MailroomProcess run = start()) {
                        load.serverAt(port(run));
                        // a loaded machine can take seconds to warm the new JVM up: kill only under real load
                        load.awaitAccepted(SESSIONS, Duration.ofSeconds(30));
                        Thread.sleep(ThreadLocalRandom.current().nextLong(500, 2000));
                        load.serverAt(0);
                        run.kill(); // SIGKILL: no shutdown hook, nothing flushed or closed
                    }
                }
            } finally {
                load.close(); // its outcomes are final from here on
            }
            try (MailroomProcess run = start()) { // once more, and let the spool drain to the sink
                port(run);
                awaitEmptySpool(Duration.ofSeconds(60));
            }
            report(CUTS + " x SIGKILL", load.outcomes(), sink.messages());
        }
    }

    @Test
    void theSmarthostGoingAwayAndComingBackLosesNothingThatGot250() throws Exception {
        List<ReceivedMessage> received = new ArrayList<>();
        SinkServer sink = SinkServer.start(SinkSettings.defaults());
        int sinkPort = sink.port();
        writeConfig(sinkPort);
        SendingLoad load = new SendingLoad(SESSIONS, FROM, TO);
        try (MailroomProcess run = start()) {
            try (load) {
                load.serverAt(port(run));
                for (int outage = 1; outage <= CUTS; outage++) {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(300, 1000));
                    sink.close(); // mid-session: deliveries in progress are cut, new ones refused
                    received.addAll(sink.messages());
                    Thread.sleep(ThreadLocalRandom.current().nextLong(500, 1500)); // mail queues meanwhile
                    sink = SinkServer.start(SinkSettings.defaults().withPort(sinkPort));
                }
            }
            // The smarthost counts as dead for a minute after a failed connect (SmtpDelivery's suspension, so a
            // backlog costs no storm of connects); an operator's flush ends that, as it would in production.
            MailroomProcess.Result flush = QueueTestBed.queue(dir, "flush");
            assertThat(flush.exitCode()).as(flush.output()).isZero();
            awaitEmptySpool(Duration.ofSeconds(60));
        } finally {
            sink.close();
            received.addAll(sink.messages());
        }
        report(CUTS + " smarthost outages", load.outcomes(), received);
    }

    @Test
    void aFullDiskGives452AndLosesNothing() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Assumptions.assumeTrue(mountSmallTmpfs(data),
                "skipped: needs permission to mount a small tmpfs as the data directory (root with CAP_SYS_ADMIN)");
        try (SinkServer sink = SinkServer.start(SinkSettings.defaults())) {
            writeConfig(sink.port());
            try (MailroomProcess run = start()) {
                int port = port(run);
                assertThat(sendOne(port, "load-0-0", 1).code()).isEqualTo(250);
                // 1 MiB of data cannot fit into the 512 KiB file system: RFC 5321 section 4.5.3.1.10 / RFC 3463
                SmtpTestClient.Reply full = sendOne(port, "load-0-1", 1 << 20);
                assertThat(full.code()).as(full.toString()).isEqualTo(452);
                assertThat(full.enhanced()).isEqualTo("4.3.1");
                assertThat(sendOne(port, "load-0-2", 1).code()).isEqualTo(250); // the partial file was removed
                awaitEmptySpool(Duration.ofSeconds(30));
                Map<String, Integer> arrivals = SendingLoad.arrivals(sink.messages());
                System.out.println("crash safety, full disk: " + full + "; at the sink " + arrivals);
                assertThat(arrivals).isEqualTo(Map.of("load-0-0", 1, "load-0-2", 1)); // never the refused one
            }
        } finally {
            new ProcessBuilder("umount", data.toString()).inheritIO().start().waitFor();
        }
    }

    /** Sends a message of about {@code size} octets whose Subject is {@code marker}; returns the final reply. */
    private static SmtpTestClient.Reply sendOne(int port, String marker, int size) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            SmtpTestClient.expect(c.cmd("MAIL FROM:<" + FROM + ">"), 250);
            SmtpTestClient.expect(c.cmd("RCPT TO:<" + TO + ">"), 250);
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            String line = "x".repeat(998) + "\r\n";
            c.write("From: <" + FROM + ">\r\nSubject: " + marker + "\r\n\r\n" + line.repeat(size / line.length() + 1)
                    + ".\r\n");
            return c.read();
        }
    }

    private static boolean mountSmallTmpfs(Path at) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Prints the counts (the test's report) and checks the promises against what the sinks received. */
    private static void report(String what, Map<String, Outcome> outcomes, List<ReceivedMessage> received) {
        Map<String, Integer> arrivals = SendingLoad.arrivals(received);
        Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
        outcomes.values().forEach(o -> byOutcome.merge(o, 1L, Long::sum));
        long inFlightArrived = outcomes.entrySet().stream()
                .filter(e -> e.getValue() == Outcome.IN_FLIGHT && arrivals.containsKey(e.getKey())).count();
        List<String> duplicated = arrivals.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .sorted().toList();
        int extraCopies = arrivals.values().stream().mapToInt(n -> n - 1).sum();
        System.out.printf("crash safety, %s, %d sessions: %s; %d of the in-flight ones arrived; %d messages at the"
                + " sink; %d duplicated (%d extra copies, at most %d allowed)%n", what, SESSIONS, byOutcome,
                inFlightArrived, received.size(), duplicated.size(), extraCopies, CUTS * CONCURRENCY);

        assertThat(byOutcome.getOrDefault(Outcome.ACCEPTED, 0L)).as("messages accepted under load")
                .isGreaterThan(SESSIONS);
        List<String> accepted = markers(outcomes, Outcome.ACCEPTED);
        assertThat(accepted).as("every 250 reaches the sink").allMatch(arrivals::containsKey);
        assertThat(arrivals.keySet()).as("nothing refused, unsent or unknown reaches the sink")
                .allMatch(m -> outcomes.get(m) == Outcome.ACCEPTED || outcomes.get(m) == Outcome.IN_FLIGHT);
        // A copy is repeated only when a cut fell between the peer's 250 and the spool's record of it.
        assertThat(extraCopies).as("duplicates %s", duplicated).isLessThanOrEqualTo(CUTS * CONCURRENCY);
    }

    private static List<String> markers(Map<String, Outcome> outcomes, Outcome o) {
        return outcomes.entrySet().stream().filter(e -> e.getValue() == o).map(Map.Entry::getKey).toList();
    }

    private MailroomProcess start() throws Exception {
        return MailroomProcess.start(dir, "run", "--config", QueueTestBed.CONFIG);
    }

    private static int port(MailroomProcess run) throws InterruptedException {
        return Integer.parseInt(run.await(LISTENING, MailroomProcess.STARTUP));
    }

    private void awaitEmptySpool(Duration timeout) throws Exception {
        FileSpool spool = FileSpool.openForReading(dir.resolve("data/spool"));
        long end = System.nanoTime() + timeout.toNanos();
        while (!spool.list().isEmpty()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the spool did not drain: " + spool.list().size() + " messages left");
            }
            Thread.sleep(100);
        }
    }

    private void writeConfig(int sinkPort) throws Exception {
        Files.writeString(dir.resolve(QueueTestBed.CONFIG), """
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

                [limits]
                exempt_networks = ["127.0.0.0/8"]

                [relay]
                host = "127.0.0.1"
                port = %d
                tls = "none"
                concurrency = %d
                retry_initial_seconds = 1
                retry_max_seconds = 2
                """.formatted(sinkPort, CONCURRENCY));
    }
}
