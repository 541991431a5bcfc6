package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.SinkServer;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue requirement: message bodies stream to the spool, so a 50 MB message passes through a server
 * whose whole heap is 48 MB (a real child process started with -Xmx48m).
 */
class LargeMessageTest {
    @TempDir
    Path dir;

    @Test
    void aFiftyMegabyteMessagePassesThroughA48MegabyteHeap() throws Exception {
        assertThat(MailroomProcess.run(dir, "big-pw\n", "user", "add", "alice@localhost", "--password-stdin").exitCode()).isZero();
        try (SinkServer sink = SinkServer.start(SinkServer.SinkSettings.defaults())) {
            Files.writeString(dir.resolve("mailroom.toml"), """
                    [[listener]]
                    name = "submission"
                    listen = "127.0.0.1:0"
                    [relay]
                    port = %d
                    [auth]
                    argon2_memory_kib = 8192
                    """.formatted(sink.port()));
            try (MailroomProcess run = MailroomProcess.startWithJvmOptions(dir, List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError"),
                    "run", "--config", "mailroom.toml")) {
                int port = Integer.parseInt(run.await(Pattern.compile("submission listening on 127\\.0\\.0\\.1:(\\d+)"), Duration.ofSeconds(90)));
                byte[] line = ("0123456789".repeat(9) + "\r\n").getBytes(StandardCharsets.US_ASCII); // 92 octets
                int lines = 50_000_000 / line.length;
                try (SmtpTestClient c = SmtpTestClient.connect(port).startSecure("client.localhost")) {
                    SmtpTestClient.expect(c.authPlain("alice@localhost", "big-pw"), 235);
                    SmtpTestClient.expect(c.cmd("MAIL FROM:<alice@localhost> SIZE=50000000"), 250);
                    SmtpTestClient.expect(c.cmd("RCPT TO:<bob@example.org>"), 250);
                    SmtpTestClient.expect(c.cmd("DATA"), 354);
                    c.write("From: alice@localhost\r\nSubject: big\r\n\r\n");
                    OutputStream out = new BufferedOutputStream(new OutputStream() {
                        @Override
                        public void write(int b) {
                            throw new UnsupportedOperationException();
                        }

                        @Override
                        public void write(byte[] b, int off, int len) throws java.io.IOException {
                            c.writeBytes(java.util.Arrays.copyOfRange(b, off, off + len));
                        }
                    }, 1 << 16);
                    for (int i = 0; i < lines; i++) {
                        out.write(line);
                    }
                    out.flush();
                    c.write(".\r\n");
                    c.setTimeout(120_000);
                    SmtpTestClient.Reply r = SmtpTestClient.expect(c.read(), 250);
                    assertThat(r.first()).startsWith("2.0.0 OK queued as");
                }
                var m = sink.awaitCount(1, Duration.ofSeconds(120)).getFirst();
                assertThat(m.data().length).isGreaterThan(lines * line.length);
                assertThat(run.output()).doesNotContain("OutOfMemoryError");
            }
        }
    }
}
