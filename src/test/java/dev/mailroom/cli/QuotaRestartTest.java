package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.directory.Argon2Parameters;
import dev.mailroom.directory.PasswordHasher;
import dev.mailroom.directory.UsersFile;
import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.SinkServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sending quota outlives a restart of the real server process: what an account used before a graceful stop
 * (SIGTERM) or a crash (SIGKILL) is used after the start on the same data directory. Each count reaches the
 * journal before the client gets its 250, so even SIGKILL loses none; only a crash of the machine could lose the
 * last second, which a process test cannot show.
 */
class QuotaRestartTest {
    private static final String ALICE = "alice@example.com";
    private static final String PASSWORD = "alice-password";
    private static final Pattern LISTENING = Pattern.compile("submission listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;
    private SinkServer sink;

    @BeforeEach
    void setUp() throws Exception {
        sink = SinkServer.start(SinkServer.SinkSettings.defaults());
        Files.writeString(dir.resolve("mailroom.toml"), """
                hostname = "mail.example.com"
                data_dir = "data"
                [domains]
                default = "example.com"
                [[listener]]
                name = "submission"
                listen = "127.0.0.1:0"
                [relay]
                port = %d
                [auth]
                argon2_memory_kib = 1024
                argon2_iterations = 1
                [quota]
                messages_per_day = 5
                new_recipients_per_day = 3
                """.formatted(sink.port()));
        Files.createDirectories(dir.resolve("data"));
        new UsersFile(dir.resolve("data/users"), new PasswordHasher(new Argon2Parameters(1024, 1, 1)))
                .add(ALICE, PASSWORD, Set.of(), Set.of());
    }

    @AfterEach
    void tearDown() {
        sink.close();
    }

    @Test
    void aGracefulStopKeepsWhatWasUsed() throws Exception {
        try (MailroomProcess run = start()) {
            try (SmtpTestClient c = login(run)) {
                send(c, "a@remote.example");
                send(c, "b@remote.example");
            }
        } // SIGTERM: the shutdown hook closes the server, which syncs the journal
        try (MailroomProcess run = start(); SmtpTestClient c = login(run)) {
            send(c, "a@remote.example");
            send(c, "b@remote.example");
            send(c, "c@remote.example"); // the third new recipient of the day
            assertLimitReached(c);
            // The refusal is logged (the reader of the process's output may lag behind: wait for the line).
            String logged = run.await(Pattern.compile("(event=quota .*)"), Duration.ofSeconds(30));
            assertThat(logged).contains("user=alice@example.com command=MAIL limit=messages_per_day max=5 free_at=20");
            assertThat(run.output()).doesNotContain("Subject: restart");
        }
    }

    @Test
    void aKilledServerLosesNoCountAndForgetsNoRecipient() throws Exception {
        try (MailroomProcess run = start()) {
            try (SmtpTestClient c = login(run)) {
                send(c, "a@remote.example");
                send(c, "b@remote.example");
                send(c, "c@remote.example");
            }
            run.kill(); // at once after the last 250: nothing had a chance to be synced by the flush
        }
        try (MailroomProcess run = start(); SmtpTestClient c = login(run)) {
            SmtpTestClient.expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250);
            SmtpTestClient.Reply fourthNew = c.cmd("RCPT TO:<d@remote.example>");
            assertThat(fourthNew.code()).isEqualTo(450);
            assertThat(fourthNew.text()).contains("3 new recipients per day");
            SmtpTestClient.expect(c.cmd("RCPT TO:<a@remote.example>"), 250);
            SmtpTestClient.expect(c.cmd("RSET"), 250);
            send(c, "b@remote.example");
            send(c, "c@remote.example");
            assertLimitReached(c);
        }
    }

    private MailroomProcess start() throws Exception {
        return MailroomProcess.start(dir, "run", "--config", "mailroom.toml");
    }

    private static SmtpTestClient login(MailroomProcess run) throws Exception {
        int port = Integer.parseInt(run.await(LISTENING, MailroomProcess.STARTUP));
        SmtpTestClient c = SmtpTestClient.connect(port).startSecure("client.example.com");
        SmtpTestClient.expect(c.authPlain(ALICE, PASSWORD), 235);
        return c;
    }

    private static void send(SmtpTestClient c, String rcpt) throws IOException {
        SmtpTestClient.expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250);
        SmtpTestClient.expect(c.cmd("RCPT TO:<" + rcpt + ">"), 250);
        SmtpTestClient.expect(c.cmd("DATA"), 354);
        c.write("From: " + ALICE + "\r\nSubject: restart\r\n\r\nbody\r\n.\r\n");
        SmtpTestClient.expect(c.read(), 250);
    }

    private static void assertLimitReached(SmtpTestClient c) throws IOException {
        SmtpTestClient.Reply r = c.cmd("MAIL FROM:<" + ALICE + ">");
        assertThat(r.code()).as("%s", r).isEqualTo(450);
        assertThat(r.enhanced()).isEqualTo("4.7.1");
        assertThat(r.text()).contains("5 messages per day");
    }
}
