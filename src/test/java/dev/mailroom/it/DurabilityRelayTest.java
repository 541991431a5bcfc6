package dev.mailroom.it;

import static dev.mailroom.it.Submit.expectOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.config.ConfigLoader;
import dev.mailroom.it.Submit.Mode;
import dev.mailroom.it.Submit.Parts;
import dev.mailroom.it.Submit.Port;
import dev.mailroom.server.MailroomServer;
import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.smtp.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool and the relay: 250 only once stored (SMTP-30), restart, retries, partial failure, concurrency. */
class DurabilityRelayTest {
    @TempDir
    Path dir;

    private static String msg(String marker) {
        return "From: alice@example.com\r\nTo: carol@remote.example\r\nSubject: " + marker + "\r\n\r\nbody " + marker + "\r\n";
    }

    @Test
    void SMTP_30_acceptedMessageIsInTheSpoolAndSurvivesARestart() throws Exception {
        AtomicBoolean accept = new AtomicBoolean(false);
        AtomicInteger attempts = new AtomicInteger();
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onData(ReceivedMessage message) {
                attempts.incrementAndGet();
                return accept.get() ? SmtpReply.of(250, "2.0.0", "ok") : SmtpReply.of(451, "4.3.0", "try later");
            }
        };
        String m = "m-" + UUID.randomUUID();
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults().withBehaviour(b), "")) {
            String id;
            try (SmtpTestClient c = Submit.alice(mr, Port.STARTTLS_587)) {
                id = Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"), msg(m));
            }
            // the 250 came after the message was committed: it is in queue/ already, complete
            Path queued = mr.spoolQueue().resolve(id);
            assertThat(queued).exists();
            assertThat(Files.readString(queued, StandardCharsets.ISO_8859_1)).contains("\r\nSubject: " + m + "\r\n").endsWith("\r\n\r\nbody " + m + "\r\n");
            // the relay has tried (and been deferred) at least once before the stop
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (attempts.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(attempts.get()).isPositive();
            mr.server.close();
            assertThat(mr.sink.messages()).isEmpty();
            accept.set(true);
            try (MailroomServer second = MailroomServer.start(ConfigLoader.load(mr.config))) {
                List<ReceivedMessage> got = mr.sink.awaitCount(1, Duration.ofSeconds(20));
                assertThat(got).hasSize(1);
                assertThat(got.getFirst().text()).contains("Subject: " + m);
                Submit.awaitEmpty(mr.spoolQueue());
                assertThat(mr.sink.messages()).hasSize(1);
            }
        }
    }

    @Test
    void RELAY_transientFailuresAreRetriedWithBackoffAndDeliveredExactlyOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        List<Long> times = new ArrayList<>();
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onData(ReceivedMessage message) {
                synchronized (times) {
                    times.add(System.nanoTime());
                }
                return attempts.incrementAndGet() <= 2 ? SmtpReply.of(451, "4.3.0", "try later") : SmtpReply.of(250, "2.0.0", "ok");
            }
        };
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults().withBehaviour(b), "")) {
            String m = "m-" + UUID.randomUUID();
            try (SmtpTestClient c = Submit.alice(mr, Port.IMPLICIT_465)) {
                Submit.send(c, Mode.BDAT, "alice@example.com", List.of("carol@remote.example"), msg(m));
            }
            assertThat(mr.awaitRelayed(1)).hasSize(1);
            Submit.awaitEmpty(mr.spoolQueue());
            assertThat(attempts.get()).isEqualTo(3);
            assertThat(mr.sink.messages()).hasSize(1);
            // back-off: retry_initial 1 s, then doubled (capped at 2 s)
            synchronized (times) {
                assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
                assertThat(Duration.ofNanos(times.get(2) - times.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(1800));
            }
        }
    }

    @Test
    void RELAY_permanentFailureForOneRecipientDeliversTheOtherAndEmptiesTheSpool() throws Exception {
        Behaviour b = new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                return to.startsWith("nobody@") ? SmtpReply.of(550, "5.1.1", "no such user") : SmtpReply.of(250, "2.1.5", "ok");
            }
        };
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults().withBehaviour(b), "")) {
            String m = "m-" + UUID.randomUUID();
            try (SmtpTestClient c = Submit.alice(mr, Port.STARTTLS_587)) {
                Submit.send(c, Mode.DATA, "alice@example.com", List.of("nobody@remote.example", "carol@remote.example"), msg(m));
            }
            ReceivedMessage r = mr.awaitRelayed(1).getFirst();
            assertThat(r.rcptTo()).containsExactly("carol@remote.example");
            Submit.awaitEmpty(mr.spoolQueue());
            // the message once, and the bounce for nobody@ back to alice from <> (RFC 3464)
            assertThat(mr.sink.messages()).filteredOn(x -> !x.mailFrom().isEmpty()).hasSize(1);
            assertThat(mr.sink.messages()).filteredOn(x -> x.mailFrom().isEmpty()).singleElement()
                    .satisfies(x -> {
                        assertThat(x.rcptTo()).containsExactly("alice@example.com");
                        assertThat(x.text()).contains("Final-Recipient: rfc822; nobody@remote.example");
                    });
        }
    }

    @Test
    void RELAY_severalRecipientsGoInOneTransactionWithDsnParametersPassedThrough() throws Exception {
        try (MailroomFixture mr = MailroomFixture.start(dir)) {
            String m = "m-" + UUID.randomUUID();
            try (SmtpTestClient c = Submit.alice(mr, Port.STARTTLS_587)) {
                expectOk(c.cmd("MAIL FROM:<alice@example.com> RET=HDRS ENVID=QQ314159+2B"), 250, "2.1.0");
                expectOk(c.cmd("RCPT TO:<carol@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Carol@Remote.example"), 250, "2.1.5");
                expectOk(c.cmd("RCPT TO:<dave@remote.example> NOTIFY=NEVER"), 250, "2.1.5");
                expectOk(c.cmd("RCPT TO:<erin@remote.example>"), 250, "2.1.5");
                expectOk(Submit.content(c, Mode.DATA, msg(m)), 250, "2.0.0");
            }
            List<ReceivedMessage> got = mr.awaitRelayed(1);
            Submit.awaitEmpty(mr.spoolQueue());
            assertThat(mr.sink.messages()).hasSize(1);
            ReceivedMessage r = got.getFirst();
            assertThat(r.rcptTo()).containsExactly("carol@remote.example", "dave@remote.example", "erin@remote.example");
            assertThat(r.mailParams()).contains("RET=HDRS", "ENVID=QQ314159+2B");
            assertThat(r.rcptParams().get(0)).hasSize(2).contains("ORCPT=rfc822;Carol@Remote.example");
            assertThat(r.rcptParams().get(0).stream().filter(p -> p.startsWith("NOTIFY=")).findFirst().orElseThrow()
                    .substring(7).split(",")).containsExactlyInAnyOrder("SUCCESS", "FAILURE");
            assertThat(r.rcptParams().get(1)).containsExactly("NOTIFY=NEVER");
            assertThat(r.rcptParams().get(2)).isEmpty();
        }
    }

    @Test
    void SMTP_30_twentySessionsOfTenMessagesArriveExactlyOnce() throws Exception {
        try (MailroomFixture mr = MailroomFixture.start(dir)) {
            String run = UUID.randomUUID().toString();
            ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 20; t++) {
                    int session = t;
                    futures.add(pool.submit(() -> {
                        Port port = session % 2 == 0 ? Port.STARTTLS_587 : Port.IMPLICIT_465;
                        try (SmtpTestClient c = Submit.alice(mr, port)) {
                            for (int i = 0; i < 10; i++) {
                                Mode mode = i % 2 == 0 ? Mode.DATA : Mode.BDAT;
                                ids.add(Submit.send(c, mode, "alice@example.com", List.of("carol@remote.example"),
                                        msg(run + "-" + session + "-" + i)));
                            }
                            expectOk(c.cmd("QUIT"), 221, "2.0.0");
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            }
            assertThat(new HashSet<>(ids)).hasSize(200);
            List<ReceivedMessage> got = mr.sink.awaitCount(200, Duration.ofSeconds(30));
            Submit.awaitEmpty(mr.spoolQueue());
            got = mr.sink.messages();
            assertThat(got).hasSize(200);
            Set<String> subjects = new HashSet<>();
            Set<String> messageIds = new HashSet<>();
            for (ReceivedMessage r : got) {
                Parts p = Parts.of(r.data());
                subjects.add(p.field("Subject"));
                messageIds.add(p.field("Message-ID"));
            }
            Set<String> expected = new HashSet<>();
            for (int t = 0; t < 20; t++) {
                for (int i = 0; i < 10; i++) {
                    expected.add(run + "-" + t + "-" + i);
                }
            }
            assertThat(subjects).isEqualTo(expected);
            assertThat(messageIds).hasSize(200);
        }
    }

    /**
     * A real I/O failure (tests run as root, so chmod cannot stop writes): the spool's directories are
     * replaced by plain files, once before DATA (the message cannot be created) and once between the
     * content and the final dot (the commit's rename fails). Both get 451 4.3.0 and leave nothing behind.
     */
    @Test
    void SMTP_31_storageErrorIs451_430AndNothingIsKeptOrDelivered() throws Exception {
        try (MailroomFixture mr = MailroomFixture.start(dir)) {
            Path incoming = mr.dir.resolve("data/spool/incoming");
            Path queue = mr.spoolQueue();
            String m1 = "m-" + UUID.randomUUID();
            String m2 = "m-" + UUID.randomUUID();
            try (SmtpTestClient c = Submit.alice(mr, Port.STARTTLS_587)) {
                Files.delete(incoming);
                Files.createFile(incoming);
                try {
                    expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
                    expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
                    expectOk(c.cmd("DATA"), 451, "4.3.0");
                } finally {
                    Files.delete(incoming);
                    Files.createDirectory(incoming);
                }
                expectOk(c.cmd("RSET"), 250, "2.0.0");
                expectOk(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
                expectOk(c.cmd("RCPT TO:<carol@remote.example>"), 250, "2.1.5");
                SmtpTestClient.expect(c.cmd("DATA"), 354);
                c.write(msg(m1));
                assertThat(Submit.files(incoming)).hasSize(1);
                Path aside = queue.resolveSibling("queue.aside");
                Files.move(queue, aside);
                Files.createFile(queue);
                try {
                    c.write(".\r\n");
                    expectOk(c.read(), 451, "4.3.0");
                } finally {
                    Files.delete(queue);
                    Files.move(aside, queue);
                }
                assertThat(Submit.files(incoming)).isEmpty();
                assertThat(Submit.files(queue)).isEmpty();
                // the session and the spool work again
                Submit.send(c, Mode.DATA, "alice@example.com", List.of("carol@remote.example"), msg(m2));
            }
            Submit.awaitMarker(mr.sink, m2);
            Submit.awaitEmpty(queue);
            assertThat(Submit.withMarker(mr.sink, m1)).isEmpty();
            assertThat(mr.sink.messages()).hasSize(1);
        }
    }
}
