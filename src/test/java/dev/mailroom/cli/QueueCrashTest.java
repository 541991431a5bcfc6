package dev.mailroom.cli;

import static dev.mailroom.cli.QueueTestBed.queue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.cli.QueueTestBed.ScriptedSink;
import dev.mailroom.sink.ReceivedMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server is killed with SIGKILL; the queue commands then change the spool files themselves (the lock is
 * free), and the restarted server does as they said: the flushed message goes at once although its back-off has
 * an hour left, the held one waits, the deleted one never goes.
 */
class QueueCrashTest {
    private static final String SENDER = "alice@sender.example";
    private static final Pattern LISTENING = Pattern.compile("trusted listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final String OFFLINE = " (no server is running: done in the spool files)\n";

    @TempDir
    Path dir;

    @Test
    void afterAKillTheCommandsWorkOnTheFilesAndTheRestartHonoursThem() throws Exception {
        try (ScriptedSink sink = new ScriptedSink()) {
            QueueTestBed.writeConfig(dir, sink.server.port());
            String heldMarker = QueueTestBed.marker();
            String deletedMarker = QueueTestBed.marker();
            String flushedMarker = QueueTestBed.marker();
            String bouncedMarker = QueueTestBed.marker();
            String bounced;
            String held;
            String deleted;
            String flushed;
            try (MailroomProcess run = MailroomProcess.start(dir, "run", "--config", QueueTestBed.CONFIG)) {
                int port = Integer.parseInt(run.await(LISTENING, MailroomProcess.STARTUP));
                held = QueueTestBed.submit(port, SENDER, heldMarker, "<carol@remote.example>");
                deleted = QueueTestBed.submit(port, SENDER, deletedMarker, "<carol@remote.example>");
                flushed = QueueTestBed.submit(port, SENDER, flushedMarker, "<carol@remote.example>");
                bounced = QueueTestBed.submit(port, SENDER, bouncedMarker, "<carol@remote.example>");
                for (String id : new String[] {held, deleted, flushed, bounced}) {
                    QueueTestBed.awaitAttempted(dir, id);
                }
                run.kill();
            }

            MailroomProcess.Result hold = queue(dir, "hold", held);
            assertThat(hold.exitCode()).as(hold.output()).isZero();
            assertThat(hold.output()).isEqualTo("held " + held + OFFLINE);
            assertThat(queue(dir, "delete", deleted).output()).isEqualTo("deleted " + deleted + OFFLINE);
            assertThat(queue(dir, "flush", flushed).output()).isEqualTo("flushed " + flushed + OFFLINE);
            MailroomProcess.Result bounce = queue(dir, "bounce", bounced);
            assertThat(bounce.exitCode()).as(bounce.output()).isZero(); // the notice waits in the spool for the start
            MailroomProcess.Result unknown = queue(dir, "release", "0000000000000BB");
            assertThat(unknown.exitCode()).isEqualTo(1);
            assertThat(unknown.output()).isEqualTo("mailroom: no such message: 0000000000000BB\n");
            assertThat(QueueTestBed.queued(dir)).contains(held, flushed).doesNotContain(deleted, bounced)
                    .hasSize(3); // and the failure notice about the bounced one

            sink.accepting = true;
            try (MailroomProcess run = MailroomProcess.start(dir, "run", "--config", QueueTestBed.CONFIG)) {
                run.await(LISTENING, MailroomProcess.STARTUP);
                sink.await(flushedMarker, Duration.ofSeconds(10)); // an hour before its back-off would have let it
                ReceivedMessage notice = sink.await(bouncedMarker, Duration.ofSeconds(10));
                assertThat(notice.mailFrom()).isEmpty(); // the RFC 3464 notice, from <>, not the message
                assertThat(notice.text()).contains("Action: failed").contains("Status: 5.0.0");

                MailroomProcess.Result second = QueueTestBed.command(dir, "run", "--config", QueueTestBed.CONFIG);
                assertThat(second.exitCode()).isEqualTo(2);
                assertThat(second.output()).contains(QueueTestBed.CONFIG + ": data_dir: ")
                        .contains("in use by another Mailroom server (pid ");

                assertThat(sink.with(heldMarker)).isEmpty();
                assertThat(queue(dir, "list").output()).contains(held).contains(" HELD ").doesNotContain(deleted);
                MailroomProcess.Result release = queue(dir, "release", held);
                assertThat(release.output()).isEqualTo("released " + held + "\n"); // through the server this time
                sink.await(heldMarker, Duration.ofSeconds(10));
                assertThat(sink.with(deletedMarker)).isEmpty();
            }
        }
    }
}
