package dev.mailroom.cli;

import static dev.mailroom.cli.QueueTestBed.queue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.cli.QueueTestBed.ScriptedSink;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.sink.ReceivedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changing queue commands against a running server: the command is a real child process, the server runs
 * here; the command finds the spool locked and goes through the server's control directory. The back-off is an
 * hour, so a delivery within the test happens only because of the operator's command.
 */
class QueueCommandTest {
    private static final String SENDER = "alice@sender.example";
    private static final String RCPT = "carol@remote.example";

    @TempDir
    Path dir;

    private ScriptedSink sink;
    private MailroomServer server;

    @BeforeEach
    void start() throws Exception {
        sink = new ScriptedSink();
        QueueTestBed.writeConfig(dir, sink.server.port());
        server = MailroomServer.start(ConfigLoader.load(dir.resolve(QueueTestBed.CONFIG)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        sink.close();
    }

    /** A message to carol@remote.example that has been deferred once. */
    private String deferred(String marker) throws Exception {
        String id = QueueTestBed.submit(server.port("trusted"), SENDER, marker, "<" + RCPT + ">");
        QueueTestBed.awaitAttempted(dir, id);
        return id;
    }

    @Test
    void aHeldMessageIsNotDeliveredUntilReleased() throws Exception {
        String marker = QueueTestBed.marker();
        String id = deferred(marker);
        MailroomProcess.Result hold = queue(dir, "hold", id);
        assertThat(hold.exitCode()).as(hold.output()).isZero();
        assertThat(hold.output()).isEqualTo("held " + id + "\n");
        sink.accepting = true;
        int attempts = sink.attempts(RCPT);

        // A flush does not touch a held message: no attempt reaches the smarthost.
        assertThat(queue(dir, "flush", id).exitCode()).isZero();
        Thread.sleep(500);
        assertThat(sink.attempts(RCPT)).isEqualTo(attempts);
        assertThat(queue(dir, "list").output()).contains(id).contains(" HELD ");

        MailroomProcess.Result release = queue(dir, "release", id);
        assertThat(release.exitCode()).as(release.output()).isZero();
        assertThat(release.output()).isEqualTo("released " + id + "\n");
        sink.await(marker, Duration.ofSeconds(10));
    }

    @Test
    void flushDeliversLongBeforeTheBackOffEnds() throws Exception {
        String first = QueueTestBed.marker();
        String second = QueueTestBed.marker();
        String a = deferred(first);
        deferred(second);
        sink.accepting = true;

        MailroomProcess.Result flush = queue(dir, "flush", a);
        assertThat(flush.exitCode()).as(flush.output()).isZero();
        assertThat(flush.output()).isEqualTo("flushed " + a + "\n");
        sink.await(first, Duration.ofSeconds(10));
        assertThat(sink.with(second)).as("still waiting for its back-off").isEmpty();

        MailroomProcess.Result all = queue(dir, "flush");
        assertThat(all.exitCode()).as(all.output()).isZero();
        assertThat(all.output()).matches("flushed [12] message\\(s\\)\n");
        sink.await(second, Duration.ofSeconds(10));
    }

    @Test
    void aDeletedMessageIsGoneAndNeverDelivered() throws Exception {
        String marker = QueueTestBed.marker();
        String id = deferred(marker);
        MailroomProcess.Result delete = queue(dir, "delete", id);
        assertThat(delete.exitCode()).as(delete.output()).isZero();
        assertThat(delete.output()).isEqualTo("deleted " + id + "\n");
        assertThat(QueueTestBed.queued(dir)).doesNotContain(id);

        sink.accepting = true;
        assertThat(queue(dir, "flush").output()).isEqualTo("flushed 0 message(s)\n");
        MailroomProcess.Result show = queue(dir, "show", id);
        assertThat(show.exitCode()).isEqualTo(1);
        assertThat(show.output()).contains("mailroom: no such message: " + id);
        assertThat(sink.with(marker)).isEmpty();
        assertThat(sink.attempts(RCPT)).isEqualTo(1);
    }

    @Test
    void bounceReturnsTheMessageToItsSenderAtOnce() throws Exception {
        String marker = QueueTestBed.marker();
        String id = deferred(marker);
        MailroomProcess.Result bounce = queue(dir, "bounce", id);
        assertThat(bounce.exitCode()).as(bounce.output()).isZero();
        assertThat(bounce.output()).isEqualTo("bounced " + id + "\n");

        // The failure notice (RFC 3464) comes from the null sender to the sender, through the same smarthost.
        ReceivedMessage notice = sink.await(marker, Duration.ofSeconds(10));
        assertThat(notice.mailFrom()).isEmpty();
        assertThat(notice.rcptTo()).containsExactly(SENDER);
        assertThat(new String(notice.data(), StandardCharsets.UTF_8))
                .contains("Content-Type: multipart/report")
                .contains("Final-Recipient: rfc822; " + RCPT)
                .contains("Action: failed")
                .contains("Status: 5.0.0");
        assertThat(QueueTestBed.queued(dir)).doesNotContain(id);
    }
}
