package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a newcomer uses it: real processes, real sockets. */
class CliTest {
    @TempDir
    Path dir;

    @Test
    void checkConfigReportsFileKeyAndReasonAndExitsWith2() throws Exception {
        Files.writeString(dir.resolve("bad.toml"), "hostname = \"mail.example.org\"\n[limits]\nmax_recipients = 7\n");
        MailroomProcess.Result r = MailroomProcess.run(dir, "", "check-config", "--config", "bad.toml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("bad.toml: limits.max_recipients: must be between 100 and 100000, got 7");
    }

    @Test
    void runRefusesABrokenConfigurationWithExit2() throws Exception {
        Files.writeString(dir.resolve("bad.toml"), "hostname = \"mail.example.org\"\nlisten = 25\n");
        MailroomProcess.Result r = MailroomProcess.run(dir, "", "run", "--config", "bad.toml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("bad.toml: listen: unknown key");
    }

    @Test
    void checkConfigAcceptsTheExample() throws Exception {
        MailroomProcess.Result r = MailroomProcess.run(Path.of("").toAbsolutePath(), "", "check-config", "--config",
                "examples/mailroom.toml");
        assertThat(r.exitCode()).isZero();
        assertThat(r.output()).contains("configuration OK");
    }

    @Test
    void userCommandsTakeThePasswordFromStdinAndNeverStoreItInClear() throws Exception {
        MailroomProcess.Result add = MailroomProcess.run(dir, "correct horse\n", "user", "add", "carol@example.org",
                "--sender", "@carol.example", "--password-stdin");
        assertThat(add.exitCode()).as(add.output()).isZero();
        String users = Files.readString(dir.resolve("data/users"));
        assertThat(users).startsWith("carol@example.org:{ARGON2ID}$argon2id$v=19$m=19456,t=2,p=1$")
                .contains("scram_sha_256={SCRAM-SHA-256}4096,").contains("senders=@carol.example")
                .doesNotContain("correct horse");
        assertThat(Files.getPosixFilePermissions(dir.resolve("data/users")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");

        MailroomProcess.Result list = MailroomProcess.run(dir, "", "user", "list");
        assertThat(list.output()).contains("carol@example.org senders=@carol.example");
        MailroomProcess.Result again = MailroomProcess.run(dir, "x\n", "user", "add", "carol@example.org", "--password-stdin");
        assertThat(again.exitCode()).isEqualTo(1);

        String before = Files.readString(dir.resolve("data/users"));
        assertThat(MailroomProcess.run(dir, "battery staple\n", "user", "passwd", "carol@example.org", "--password-stdin").exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("data/users"))).isNotEqualTo(before).doesNotContain("battery staple");
        assertThat(MailroomProcess.run(dir, "", "user", "del", "carol@example.org").exitCode()).isZero();
        assertThat(MailroomProcess.run(dir, "", "user", "list").output()).doesNotContain("carol@example.org");
    }

    @Test
    void quickstartRunAndSinkDeliverASubmittedMessage() throws Exception {
        // The README's quickstart with ports chosen by the OS: user add, sink, run, submit.
        assertThat(MailroomProcess.run(dir, "pw-for-alice\n", "user", "add", "alice@localhost", "--password-stdin").exitCode()).isZero();
        try (MailroomProcess sink = MailroomProcess.start(dir, "sink", "--port", "0")) {
            String sinkPort = sink.await(Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)"), MailroomProcess.STARTUP);
            Files.writeString(dir.resolve("mailroom.toml"), """
                    [[listener]]
                    name = "submission"
                    listen = "127.0.0.1:0"
                    [[listener]]
                    name = "submissions"
                    listen = "127.0.0.1:0"
                    tls = "implicit"
                    [relay]
                    port = %s
                    """.formatted(sinkPort));
            try (MailroomProcess run = MailroomProcess.start(dir, "run", "--config", "mailroom.toml")) {
                submitAsAlice(run, "pw-for-alice", "From: alice@localhost\r\nSubject: quickstart\r\n\r\nhello\r\n");
                sink.await(Pattern.compile("=== message from <alice@localhost> to <bob@example.org>"), Duration.ofSeconds(30));
                sink.await(Pattern.compile("^Subject: quickstart$"), Duration.ofSeconds(5));
                assertThat(Files.exists(dir.resolve("data/tls/cert.pem"))).isTrue();
            }
        }
    }

    @Test
    void queueListShowsADeferredMessageWithItsLastError() throws Exception {
        assertThat(MailroomProcess.run(dir, "pw\n", "user", "add", "alice@localhost", "--password-stdin").exitCode()).isZero();
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens there once this is closed: every attempt fails
        }
        Files.writeString(dir.resolve("mailroom.toml"), """
                [[listener]]
                name = "submission"
                listen = "127.0.0.1:0"
                [relay]
                port = %d
                """.formatted(closedPort));
        try (MailroomProcess run = MailroomProcess.start(dir, "run", "--config", "mailroom.toml")) {
            submitAsAlice(run, "pw", "From: alice@localhost\r\n\r\nqueued\r\n");
            run.await(Pattern.compile("event=deferred"), Duration.ofSeconds(30));
            MailroomProcess.Result list = MailroomProcess.run(dir, "", "queue", "list", "--config", "mailroom.toml");
            assertThat(list.exitCode()).isZero();
            assertThat(list.output()).containsPattern("[0-9A-Z]{15} +\\d+ \\S+ <alice@localhost> 1/1 pending \\(451 4\\.4\\.1 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:" + closedPort)
                    .contains("1 message(s)");
        }
    }

    /** Waits for the submission listener of a running server, then sends one message as alice@localhost. */
    private static void submitAsAlice(MailroomProcess run, String password, String message) throws Exception {
        int port = Integer.parseInt(run.await(Pattern.compile("submission listening on 127\\.0\\.0\\.1:(\\d+)"), MailroomProcess.STARTUP));
        try (SmtpTestClient c = SmtpTestClient.connect(port).startSecure("client.localhost")) {
            SmtpTestClient.expect(c.authPlain("alice@localhost", password), 235);
            SmtpTestClient.expect(c.cmd("MAIL FROM:<alice@localhost>"), 250);
            SmtpTestClient.expect(c.cmd("RCPT TO:<bob@example.org>"), 250);
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(message + ".\r\n");
            SmtpTestClient.expect(c.read(), 250);
        }
    }
}
