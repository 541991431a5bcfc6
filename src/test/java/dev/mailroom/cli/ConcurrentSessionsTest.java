package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.SinkServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, resource bounds: 10,000 concurrent sessions on loopback against a server process with a 512 MB heap,
 * half idle after EHLO and half trickling a NOOP one byte every three seconds. Meanwhile a fresh session's whole
 * transaction stays fast, the heap stays under 512 MB, and one connection beyond the per-client and the global
 * limit gets 421 4.7.0 before any greeting. Isolated: the latency it measures is the load's, not other test
 * classes', and its 10,000 sockets and their setup would starve timing-sensitive classes running beside it.
 */
@Isolated
class ConcurrentSessionsTest {
    private static final int SESSIONS = 10_000;
    /** Load clients come from 127.0.1.1 … 127.0.1.100, each exactly at the per-client limit. */
    private static final int CLIENT_ADDRESSES = 100;
    private static final int PER_CLIENT = SESSIONS / CLIENT_ADDRESSES;
    /** Room for the probe sessions above the load, then the global limit. */
    private static final int HEADROOM = 10;
    private static final int PROBES = 20;

    @TempDir
    Path dir;

    @Test
    void tenThousandSessionsLeaveRoomForNewOnesWithinTheHeapAndTheLimitsAnswer421() throws Exception {
        long maxFiles = ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertThat(maxFiles).as("open-file limit of the test JVM: raise ulimit -n (.ci/run does)")
                .isGreaterThan(SESSIONS + 2000);
        try (SinkServer sink = SinkServer.start(SinkServer.SinkSettings.defaults())) {
            Files.writeString(dir.resolve("mailroom.toml"), """
                    hostname = "mail.example.test"
                    [[listener]]
                    name = "trusted"
                    listen = "127.0.0.1:0"
                    tls = "none"
                    trusted_networks = ["127.0.0.0/8"]
                    [limits]
                    max_connections = %d
                    max_connections_per_client = %d
                    # every client is on loopback; the rate limit counts per minute, so it must not refuse the load
                    max_connection_rate_per_client = 1000000
                    [relay]
                    host = "127.0.0.1"
                    port = %d
                    """.formatted(SESSIONS + HEADROOM, PER_CLIENT, sink.port()));
            try (MailroomProcess run = MailroomProcess.startWithJvmOptions(dir,
                    List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"), "run", "--config", "mailroom.toml")) {
                int port = Integer.parseInt(run.await(Pattern.compile("trusted listening on 127\\.0\\.0\\.1:(\\d+)"),
                        MailroomProcess.STARTUP));
                transactionMillis(port, 20); // warm up the server's code paths before the baseline
                long unloaded = medianTransactionMillis(port);
                try (Load load = Load.open(port)) {
                    long loaded = medianTransactionMillis(port);
                    long heapKib = heapUsedAfterGcKib(run.pid());
                    System.out.printf("ConcurrentSessionsTest: %d sessions open in %.1f s; transaction median %d ms "
                                    + "unloaded, %d ms loaded; heap after GC %d MiB%n", load.open(), load.setupSeconds,
                            unloaded, loaded, heapKib / 1024);
                    assertThat(load.failures).as("load session failures").isEmpty();
                    assertThat(load.open()).isEqualTo(SESSIONS);
                    assertThat(loaded).as("median transaction under load, unloaded %d ms", unloaded)
                            .isLessThan(Math.max(10 * unloaded, 1000));
                    assertThat(heapKib).isLessThan(512 * 1024);

                    // one more from a load address: that client is at max_connections_per_client
                    assertRefused(port, "127.0.1.1", "Too many connections from your address");
                    // fresh addresses fill the headroom, then max_connections refuses
                    List<SmtpTestClient> extra = new ArrayList<>();
                    try {
                        String refusal = null;
                        for (int i = 1; i <= HEADROOM + 1 && refusal == null; i++) {
                            SmtpTestClient c = SmtpTestClient.connectFrom("127.0.2." + i, port).setTimeout(10_000);
                            extra.add(c);
                            SmtpTestClient.Reply r = c.read();
                            if (r.code() != 220) {
                                refusal = r.code() + " " + r.first();
                            }
                        }
                        assertThat(refusal).startsWith("421 4.7.0 ").contains("Too many connections");
                        assertThat(extra.size()).isBetween(HEADROOM - 1, HEADROOM + 1);
                    } finally {
                        for (SmtpTestClient c : extra) {
                            c.close();
                        }
                    }
                    assertThat(load.failures).as("load session failures").isEmpty();
                }
                assertThat(run.isAlive()).isTrue();
                assertThat(run.output()).doesNotContain("OutOfMemoryError");
                // warm-up and probes: every message accepted with 250 reached the smarthost
                assertThat(sink.awaitCount(20 + 2 * PROBES, Duration.ofSeconds(60))).hasSizeGreaterThanOrEqualTo(20 + 2 * PROBES);
            }
        }
    }

    private static void assertRefused(int port, String from, String reason) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connectFrom(from, port).setTimeout(10_000)) {
            SmtpTestClient.Reply r = c.read();
            assertThat(r.code()).isEqualTo(421);
            assertThat(r.first()).startsWith("4.7.0 ").contains(reason);
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    private static long medianTransactionMillis(int port) throws IOException {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < PROBES; i++) {
            times.add(transactionMillis(port, 1));
        }
        Collections.sort(times);
        return times.get(PROBES / 2);
    }

    /** Connect, greeting, EHLO, one message of {@code count} through to 250, QUIT: a whole fresh session. */
    private static long transactionMillis(int port, int count) throws IOException {
        long start = System.nanoTime();
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.1", port).setTimeout(30_000)) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO probe.example"), 250);
            for (int i = 0; i < count; i++) {
                SmtpTestClient.expect(c.cmd("MAIL FROM:<probe@example.test>"), 250);
                SmtpTestClient.expect(c.cmd("RCPT TO:<sink@remote.example>"), 250);
                SmtpTestClient.expect(c.cmd("DATA"), 354);
                c.write("From: probe@example.test\r\nSubject: probe\r\n\r\nprobe\r\n.\r\n");
                SmtpTestClient.expect(c.read(), 250);
            }
            SmtpTestClient.expect(c.cmd("QUIT"), 221);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** {@code jcmd PID GC.run} then {@code GC.heap_info}: the heap the sessions keep alive, in KiB. */
    private static long heapUsedAfterGcKib(long pid) throws Exception {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        assertThat(m.find()).as("heap info: %s", info).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process p = new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("jcmd %s: %s", command, out).isZero();
        return out;
    }

    /**
     * The load: one virtual thread per session (the test JVM's blocking sockets park, they hold no OS thread),
     * at most 64 connecting at once so the listen backlog never overflows into SYN retries.
     */
    private static final class Load implements AutoCloseable {
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
        private final AtomicInteger ready = new AtomicInteger();
        private final CountDownLatch done = new CountDownLatch(1);
        private final List<Thread> threads = new ArrayList<>();
        double setupSeconds;

        static Load open(int port) throws InterruptedException {
            Load load = new Load();
            Semaphore connecting = new Semaphore(64);
            CountDownLatch established = new CountDownLatch(SESSIONS);
            long t0 = System.nanoTime();
            for (int i = 0; i < SESSIONS; i++) {
                String from = "127.0.1." + (1 + i % CLIENT_ADDRESSES);
                boolean slow = i % 2 == 1;
                load.threads.add(Thread.ofVirtual().start(() -> load.session(port, from, slow, connecting, established)));
            }
            // 15-30 s on a quiet two-core machine; the bound only stops a starved one (load 20+) from failing early
            assertThat(established.await(300, TimeUnit.SECONDS)).as("sessions established: %d", load.ready.get()).isTrue();
            load.setupSeconds = (System.nanoTime() - t0) / 1e9;
            return load;
        }

        int open() {
            return ready.get();
        }

        private void session(int port, String from, boolean slow, Semaphore connecting, CountDownLatch established) {
            AtomicReference<Socket> mine = new AtomicReference<>();
            try {
                connecting.acquire();
                try {
                    Socket s = new Socket();
                    mine.set(s);
                    sockets.add(s);
                    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
                    s.setSoTimeout(60_000);
                    InputStream in = s.getInputStream();
                    expectReply(in, "220 ");
                    s.getOutputStream().write("EHLO load.example\r\n".getBytes(StandardCharsets.US_ASCII));
                    expectReply(in, "250 ");
                } finally {
                    connecting.release();
                }
                ready.incrementAndGet();
                established.countDown();
                if (slow) {
                    trickle(mine.get().getOutputStream());
                } else {
                    done.await();
                }
            } catch (IOException e) {
                if (done.getCount() > 0) {
                    failures.add(from + ": " + e);
                }
                established.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** A NOOP, one byte every three seconds, until the test ends (its 250s pile up unread in the buffer). */
        private void trickle(OutputStream out) throws IOException, InterruptedException {
            byte[] noop = "NOOP\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; !done.await(3, TimeUnit.SECONDS); i++) {
                out.write(noop[i % noop.length]);
            }
        }

        /** Reads reply lines until the last one (code and space), which must start with {@code last}. */
        private static void expectReply(InputStream in, String last) throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed by server after " + line);
                }
                if (b != '\n') {
                    line.append((char) b);
                    continue;
                }
                if (line.length() > 3 && line.charAt(3) == ' ') {
                    if (!line.toString().startsWith(last)) {
                        throw new IOException("unexpected reply " + line.toString().strip());
                    }
                    return;
                }
                line.setLength(0);
            }
        }

        @Override
        public void close() throws InterruptedException {
            done.countDown();
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }
}
