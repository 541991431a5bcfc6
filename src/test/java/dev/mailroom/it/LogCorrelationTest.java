package dev.mailroom.it;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One message followed through the log by its ids: the submission session's lines all carry session=, the
 * lines from its DATA to the transaction's end carry queue= too, and queue= alone finds the delivery.
 */
class LogCorrelationTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;
    /** Other test classes log into the same JVM meanwhile: their lines are told apart by the ids. */
    static final Recorder LOG = new Recorder();

    /** Keeps each line with the name of the thread that logged it, taken when it is logged. */
    static final class Recorder extends AppenderBase<ILoggingEvent> {
        record Line(String thread, String text) {
        }

        private final List<Line> lines = new ArrayList<>();

        @Override
        protected synchronized void append(ILoggingEvent e) {
            lines.add(new Line(e.getThreadName(), e.getFormattedMessage()));
        }

        synchronized List<Line> lines() {
            return List.copyOf(lines);
        }

        Line await(Predicate<String> text) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                for (Line l : lines()) {
                    if (text.test(l.text())) {
                        return l;
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no such line logged; lines: " + lines());
        }
    }

    @BeforeAll
    static void start() throws Exception {
        LOG.start();
        ((Logger) LoggerFactory.getLogger("mailroom.events")).addAppender(LOG);
        mr = MailroomFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("mailroom.events")).detachAppender(LOG);
        mr.close();
    }

    @Test
    void oneGrepForTheQueueIdFollowsTheMessageFromItsSessionToItsDelivery() throws Exception {
        String qid;
        try (SmtpTestClient c = mr.aliceSession()) {
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250);
            expect(c.cmd("RCPT TO:<carol@remote.example>"), 250);
            expect(c.cmd("DATA"), 354);
            c.write("From: alice@example.com\r\nSubject: follow me\r\n\r\nbody\r\n.\r\n");
            Matcher m = Pattern.compile("queued as ([0-9A-Z]+)").matcher(expect(c.read(), 250).first());
            assertThat(m.find()).isTrue();
            qid = m.group(1);
            // Still the transaction of that message: a refused command is logged with its queue id ...
            expect(c.cmd("RCPT TO:<dave@remote.example>"), 503);
            expect(c.cmd("RSET"), 250);
            // ... and after RSET without it.
            expect(c.cmd("RCPT TO:<erin@remote.example>"), 503);
            expect(c.cmd("QUIT"), 221);
        }
        mr.awaitRelayed(1);

        String queueKey = " queue=" + qid;
        Recorder.Line accepted = LOG.await(l -> l.startsWith("event=accepted ") && l.contains(queueKey));
        Matcher s = Pattern.compile(" session=(\\S+) ").matcher(accepted.text());
        assertThat(s.find()).as(accepted.text()).isTrue();
        String session = s.group(1);
        String sessionKey = " session=" + session;
        LOG.await(l -> l.startsWith("event=close" + sessionKey));
        LOG.await(l -> l.startsWith("event=relayed ") && l.contains(queueKey));

        List<Recorder.Line> all = LOG.lines();
        // The session's own lines: everything its thread logged, from connect to close.
        List<String> ofSession = all.stream().filter(l -> l.thread().equals(accepted.thread()))
                .map(Recorder.Line::text).toList();
        assertThat(ofSession.getFirst()).startsWith("event=connect" + sessionKey + " ");
        assertThat(ofSession.getLast()).startsWith("event=close" + sessionKey);
        assertThat(ofSession).as("(a) every line of the session names it, once, right after the event")
                .allSatisfy(l -> assertThat(l).matches("event=\\S+" + Pattern.quote(sessionKey) + "( .*)?")
                        .containsOnlyOnce(" session="))
                .anySatisfy(l -> assertThat(l).startsWith("event=tls" + sessionKey))
                .anySatisfy(l -> assertThat(l).startsWith("event=auth" + sessionKey + " ").contains("result=ok"));

        // (b) from the accepted line to the RSET every line carries the queue id; before DATA and after RSET none does.
        int from = ofSession.indexOf(accepted.text());
        List<String> rejects = ofSession.stream().filter(l -> l.startsWith("event=reject ")).toList();
        assertThat(rejects).hasSize(2);
        assertThat(rejects.get(0)).contains("command=RCPT", "code=503")
                .startsWith("event=reject" + sessionKey + queueKey + " ");
        assertThat(rejects.get(1)).contains("command=RCPT", "code=503").doesNotContain(" queue=");
        int end = ofSession.indexOf(rejects.get(1));
        assertThat(ofSession.subList(from, end)).hasSize(2)
                .allSatisfy(l -> assertThat(l).startsWith(l.substring(0, l.indexOf(' ')) + sessionKey + queueKey + " "));
        assertThat(ofSession.subList(0, from)).noneSatisfy(l -> assertThat(l).contains(" queue="));
        assertThat(ofSession.subList(end, ofSession.size())).noneSatisfy(l -> assertThat(l).contains(" queue="));

        // (c) grep 'queue=ID': the acceptance and the delivery, which its worker logs outside any session.
        List<String> grep = all.stream().map(Recorder.Line::text)
                .filter(l -> l.contains(queueKey + " ") || l.endsWith(queueKey)).toList();
        assertThat(grep).anySatisfy(l -> assertThat(l).startsWith("event=accepted" + sessionKey + queueKey + " ")
                .contains("user=alice@example.com", "from=alice@example.com", "rcpts=1"));
        assertThat(grep).filteredOn(l -> l.startsWith("event=relayed ")).singleElement()
                .satisfies(l -> assertThat(l).startsWith("event=relayed" + queueKey + " ")
                        .contains("to=carol@remote.example").doesNotContain("session="));
    }
}
