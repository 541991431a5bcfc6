package dev.mailroom.cli;

import static dev.mailroom.cli.QueueTestBed.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.cli.QueueTestBed.ScriptedSink;
import dev.mailroom.config.ConfigLoader;
import dev.mailroom.queue.QueueControl;
import dev.mailroom.server.MailroomServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `queue list` and `queue show` beside a running server, the exit codes for an unknown message and for a server
 * that does not answer, and the refusal of a second server on the same data directory.
 */
class QueueInspectionTest {
    private static final String SENDER = "alice@sender.example";

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

    @Test
    void listAndShowTellWhatWaitsAndWhy() throws Exception {
        String marker = QueueTestBed.marker();
        // nobody@ is refused for good, carol@ deferred: one recipient settled, one pending.
        String id = QueueTestBed.submit(server.port("trusted"), SENDER, marker,
                "<nobody@remote.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;Nobody+40Remote.example",
                "<carol@remote.example>");
        QueueTestBed.awaitAttempted(dir, id);

        MailroomProcess.Result list = queue(dir, "list");
        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).containsPattern(id + " +\\d+ \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ <" + SENDER
                        + "> 1/2 pending \\(451 4\\.2\\.1 mailbox busy, try later\\)\n")
                .containsPattern("\\d+ message\\(s\\)\n$");

        MailroomProcess.Result show = queue(dir, "show", id);
        assertThat(show.exitCode()).as(show.output()).isZero();
        assertThat(show.output()).startsWith("id: " + id + "\n")
                .contains("\nsender: <" + SENDER + ">\n")
                .contains("\nattempts: 1\n")
                .containsPattern("\nnext attempt: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\nheld: no\n")
                .contains("\nrecipients: 1 pending of 2\n")
                .containsPattern("""
                        recipient: <nobody@remote.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;Nobody\\+40Remote.example
                          outcome: FAILED
                          last reply: 550 5.1.1 no such user here
                          remote MTA: 127.0.0.1
                          last attempt: \\d{4}-\\S+Z
                        recipient: <carol@remote.example>
                          outcome: PENDING
                          last reply: 451 4.2.1 mailbox busy, try later
                          remote MTA: 127.0.0.1
                        """)
                .contains("\nheader section:\n")
                .contains("\nSubject: " + marker + "\n")
                .doesNotContain("\nbody\n");
    }

    @Test
    void anUnknownIdExitsWith1AndChangesNothing() throws Exception {
        String id = QueueTestBed.submit(server.port("trusted"), SENDER, QueueTestBed.marker(), "<carol@remote.example>");
        QueueTestBed.awaitAttempted(dir, id);
        String unknown = "0000000000000BB"; // well-formed: the running server itself looks for it
        MailroomProcess.Result hold = queue(dir, "hold", unknown);
        assertThat(hold.exitCode()).isEqualTo(1);
        assertThat(hold.output()).isEqualTo("mailroom: no such message: " + unknown + "\n");
        MailroomProcess.Result show = queue(dir, "show", unknown);
        assertThat(show.exitCode()).isEqualTo(1);
        assertThat(show.output()).isEqualTo("mailroom: no such message: " + unknown + "\n");
        MailroomProcess.Result malformed = queue(dir, "delete", "../queue");
        assertThat(malformed.exitCode()).isEqualTo(1);
        assertThat(malformed.output()).contains("no such message: ../queue");
        assertThat(QueueTestBed.queued(dir)).containsExactly(id);
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() {
        assertThatThrownBy(() -> MailroomServer.start(ConfigLoader.load(dir.resolve(QueueTestBed.CONFIG))))
                .hasMessageContaining(QueueTestBed.CONFIG + ": data_dir: ")
                .hasMessageContaining("in use by another Mailroom server (pid " + ProcessHandle.current().pid() + ")");
    }

    @Test
    void aServerThatDoesNotAnswerMakesTheCommandExitWith3(@TempDir Path other) throws Exception {
        // The lock is held, as by a running server, but nobody answers: a hung server, as the command sees it.
        try (QueueControl hung = QueueControl.lock(other.resolve("data/spool"))) {
            MailroomProcess.Result hold = QueueTestBed.command(other, "queue", "hold", "25XPN20HH577575", "--wait", "1");
            assertThat(hold.exitCode()).as(hold.output()).isEqualTo(3);
            assertThat(hold.output()).contains("mailroom: the running server (server " + ProcessHandle.current().pid()
                    + ") did not answer within 1 s: the server did not take the request; it was withdrawn");
            try (Stream<Path> left = Files.list(other.resolve("data/spool/control"))) {
                assertThat(left).isEmpty();
            }
        }
    }
}
