package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.quota.QuotaKind;
import dev.mailroom.quota.Usage;
import dev.mailroom.sink.SinkServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sending quotas of authenticated accounts over real sessions (STARTTLS, AUTH PLAIN): each limit lets N
 * through and refuses the next with 450 4.7.1 at the command that would pass it, the session stays usable, only
 * accepted messages count, and concurrent sessions of one account never pass a limit together.
 */
class SendingQuotaLimitsTest {
    private static final String ALICE = MailroomFixture.ALICE;

    @TempDir
    Path dir;
    private MailroomFixture mr;

    private MailroomFixture start(String quotaToml) throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(), "\n[quota]\n" + quotaToml);
        return mr;
    }

    @AfterEach
    void stop() {
        if (mr != null) {
            mr.close();
        }
    }

    private static String message(String from) {
        return "From: " + from + "\r\nSubject: quota\r\n\r\nbody\r\n";
    }

    /** MAIL, the RCPTs and DATA, each expected to succeed. */
    private static void send(SmtpTestClient c, String from, String... rcpts) throws IOException {
        Submit.send(c, Submit.Mode.DATA, from, List.of(rcpts), message(from));
    }

    private static void assertRefused(SmtpTestClient.Reply r, String limitText) {
        expect(r, 450, "4.7.1");
        assertThat(r.text()).contains("Sending limit reached: " + limitText).contains("try again after 20");
    }

    /** RSET, NOOP and QUIT still work after a refusal. */
    private static void assertStillUsable(SmtpTestClient c) throws IOException {
        expect(c.cmd("RSET"), 250, "2.0.0");
        expect(c.cmd("NOOP"), 250, "2.0.0");
        expect(c.cmd("QUIT"), 221, "2.0.0");
    }

    @Test
    void messagesPerHourRefusesTheNextMailAndOnlyThatAccount() throws Exception {
        start("messages_per_hour = 3\n");
        try (SmtpTestClient c = mr.aliceSession()) {
            for (int i = 0; i < 3; i++) {
                send(c, ALICE, "r" + i + "@remote.example");
            }
            assertRefused(c.cmd("MAIL FROM:<" + ALICE + ">"), "3 messages per hour");
            expect(c.cmd("RCPT TO:<r@remote.example>"), 503, "5.5.1"); // no transaction began
            assertStillUsable(c);
        }
        try (SmtpTestClient bob = Submit.login(mr, Submit.Port.IMPLICIT_465, MailroomFixture.BOB, MailroomFixture.BOB_PASSWORD)) {
            send(bob, MailroomFixture.BOB, "r@remote.example");
        }
        assertThat(mr.server.quota().metrics().count(QuotaKind.MESSAGES_PER_HOUR)).isEqualTo(1);
        mr.awaitRelayed(4);
    }

    @Test
    void messagesPerDayRefusesTheNextMailOnTheOtherPortToo() throws Exception {
        start("messages_per_day = 2\n");
        try (SmtpTestClient c = mr.aliceSession()) {
            send(c, ALICE, "a@remote.example");
        }
        try (SmtpTestClient c = Submit.alice(mr, Submit.Port.IMPLICIT_465)) {
            send(c, ALICE, "b@remote.example");
            assertRefused(c.cmd("MAIL FROM:<" + ALICE + ">"), "2 messages per day");
            assertStillUsable(c);
        }
        assertThat(mr.server.quota().metrics().count(QuotaKind.MESSAGES_PER_DAY)).isEqualTo(1);
    }

    @Test
    void recipientsPerDayRefusesTheRcptThatWouldPassIt() throws Exception {
        start("recipients_per_day = 4\n");
        try (SmtpTestClient c = mr.aliceSession()) {
            send(c, ALICE, "a@remote.example", "b@remote.example", "c@remote.example");
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<d@remote.example>"), 250, "2.1.5");
            assertRefused(c.cmd("RCPT TO:<e@remote.example>"), "4 recipients per day");
            // The transaction goes on with the recipient it has.
            expect(Submit.content(c, Submit.Mode.DATA, message(ALICE)), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            assertRefused(c.cmd("RCPT TO:<a@remote.example>"), "4 recipients per day");
            assertStillUsable(c);
        }
        assertThat(mr.server.quota().usage(ALICE).recipientsLastDay()).isEqualTo(4);
        assertThat(mr.server.quota().metrics().count(QuotaKind.RECIPIENTS_PER_DAY)).isEqualTo(2);
    }

    @Test
    void newRecipientsPerDayLetsKnownRecipientsThrough() throws Exception {
        start("new_recipients_per_day = 2\n");
        try (SmtpTestClient c = mr.aliceSession()) {
            send(c, ALICE, "a@remote.example", "b@remote.example");
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            assertRefused(c.cmd("RCPT TO:<c@remote.example>"), "2 new recipients per day");
            expect(c.cmd("RCPT TO:<A@Remote.Example>"), 250, "2.1.5"); // known, whatever the case
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            expect(Submit.content(c, Submit.Mode.BDAT, message(ALICE)), 250, "2.0.0");
            assertStillUsable(c);
        }
        Usage used = mr.server.quota().usage(ALICE);
        assertThat(used.newRecipientsLastDay()).isEqualTo(2);
        assertThat(used.recipientsLastDay()).isEqualTo(4);
    }

    @Test
    void rejectedAndAbandonedTransactionsUseNothing() throws Exception {
        start("messages_per_hour = 1\nrecipients_per_day = 1\n");
        try (SmtpTestClient c = mr.aliceSession()) {
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<a@remote.example>"), 250, "2.1.5");
            expect(c.cmd("RSET"), 250, "2.0.0");
            // Refused after the data (no From): 554 5.6.0, nothing counts.
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<a@remote.example>"), 250, "2.1.5");
            expect(Submit.content(c, Submit.Mode.DATA, "Subject: no From\r\n\r\nbody\r\n"), 554, "5.6.0");
            // EHLO ends a transaction too.
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<a@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
        }
        try (SmtpTestClient c = mr.aliceSession()) {
            // A connection lost in the middle of the data.
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<a@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: " + ALICE + "\r\n");
        }
        awaitNothingHeld();
        assertThat(mr.server.quota().usage(ALICE).messagesLastHour()).isZero();
        try (SmtpTestClient c = mr.aliceSession()) {
            send(c, ALICE, "a@remote.example");
            assertRefused(c.cmd("MAIL FROM:<" + ALICE + ">"), "1 messages per hour");
        }
    }

    @Test
    void twentySessionsRacingForFiftyMessagesGetExactlyFifty() throws Exception {
        start("messages_per_hour = 0\nmessages_per_day = 50\nrecipients_per_day = 0\nnew_recipients_per_day = 0\n");
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        race(20, c -> {
            for (int i = 0; i < 5; i++) {
                SmtpTestClient.Reply mail = c.cmd("MAIL FROM:<" + ALICE + ">");
                if (mail.code() == 450) {
                    expect(mail, 450, "4.7.1");
                    refused.incrementAndGet();
                    continue;
                }
                expect(mail, 250, "2.1.0");
                expect(c.cmd("RCPT TO:<r@remote.example>"), 250, "2.1.5");
                expect(Submit.content(c, Submit.Mode.DATA, message(ALICE)), 250, "2.0.0");
                accepted.incrementAndGet();
            }
        });
        assertThat(accepted).hasValue(50);
        assertThat(refused).hasValue(50);
        awaitNothingHeld();
        assertThat(mr.server.quota().usage(ALICE).messagesLastDay()).isEqualTo(50);
        assertThat(mr.server.quota().metrics().count(QuotaKind.MESSAGES_PER_DAY)).isEqualTo(50);
    }

    @Test
    void twentySessionsRacingForFiftyRecipientsGetExactlyFifty() throws Exception {
        start("messages_per_hour = 0\nmessages_per_day = 0\nrecipients_per_day = 50\nnew_recipients_per_day = 0\n");
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger messages = new AtomicInteger();
        race(20, c -> {
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            int mine = 0;
            for (int i = 0; i < 5; i++) {
                SmtpTestClient.Reply rcpt = c.cmd("RCPT TO:<r" + i + "@remote.example>");
                if (rcpt.code() == 450) {
                    expect(rcpt, 450, "4.7.1");
                    refused.incrementAndGet();
                } else {
                    expect(rcpt, 250, "2.1.5");
                    mine++;
                }
            }
            if (mine > 0) {
                expect(Submit.content(c, Submit.Mode.DATA, message(ALICE)), 250, "2.0.0");
                messages.incrementAndGet();
            }
            accepted.addAndGet(mine);
        });
        assertThat(accepted).hasValue(50);
        assertThat(refused).hasValue(50);
        awaitNothingHeld();
        assertThat(mr.server.quota().usage(ALICE).recipientsLastDay()).isEqualTo(50);
        assertThat(mr.awaitRelayed(messages.get()).stream().mapToInt(m -> m.rcptTo().size()).sum()).isEqualTo(50);
    }

    @Test
    void twentySessionsRacingForTenNewRecipients() throws Exception {
        start("new_recipients_per_day = 10\n");
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger session = new AtomicInteger();
        race(20, c -> {
            int n = session.getAndIncrement();
            expect(c.cmd("MAIL FROM:<" + ALICE + ">"), 250, "2.1.0");
            // Each session addresses one recipient of its own and one that all share.
            int mine = 0;
            for (String rcpt : List.of("own" + n + "@remote.example", "shared@remote.example")) {
                SmtpTestClient.Reply r = c.cmd("RCPT TO:<" + rcpt + ">");
                if (r.code() == 250) {
                    mine++;
                } else {
                    expect(r, 450, "4.7.1");
                }
            }
            if (mine > 0) {
                expect(Submit.content(c, Submit.Mode.DATA, message(ALICE)), 250, "2.0.0");
            }
            accepted.addAndGet(mine);
        });
        awaitNothingHeld();
        Usage used = mr.server.quota().usage(ALICE);
        assertThat(used.newRecipientsLastDay()).isEqualTo(10);
        assertThat(used.rememberedRecipients()).isEqualTo(10);
        assertThat(used.recipientsLastDay()).isEqualTo(accepted.get());
    }

    /** One logged-in session as alice per task; the tasks start together once every session is logged in. */
    private void race(int sessions, SessionTask task) throws Exception {
        CountDownLatch ready = new CountDownLatch(sessions);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < sessions; i++) {
                done.add(pool.submit(() -> {
                    SmtpTestClient session;
                    try {
                        session = mr.aliceSession();
                    } finally {
                        ready.countDown(); // a failed login must not leave the others waiting
                    }
                    try (SmtpTestClient c = session) {
                        go.await();
                        task.run(c);
                        expect(c.cmd("QUIT"), 221, "2.0.0");
                    }
                    return null;
                }));
            }
            ready.await();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    @FunctionalInterface
    private interface SessionTask {
        void run(SmtpTestClient c) throws Exception;
    }

    /** Sessions end on their own threads: wait until none holds part of alice's quota. */
    private void awaitNothingHeld() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Usage u;
        while ((u = mr.server.quota().usage(ALICE)).heldMessages() > 0 || u.heldRecipients() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still held: " + u);
            }
            Thread.sleep(20);
        }
    }
}
