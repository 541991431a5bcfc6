package dev.mailroom.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.directory.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quota's counting, holding and windows, with a hand-driven clock and a real journal in a temporary directory. */
class SendingQuotaTest {
    private static final String ALICE = "alice@example.com";

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(); // 2026-01-01T00:00:00Z
    private SendingQuota quota;

    private SendingQuota open(QuotaLimits limits) throws Exception {
        return open(new QuotaSettings(limits, Map.of()));
    }

    private SendingQuota open(QuotaSettings settings) throws Exception {
        if (quota != null) {
            quota.close();
        }
        quota = SendingQuota.open(dir, settings, clock);
        return quota;
    }

    @AfterEach
    void close() {
        if (quota != null) {
            quota.close();
        }
    }

    /** One accepted message to these recipients. */
    private void send(String account, String... recipients) throws QuotaExceededException {
        Reservation r = quota.reserveMessage(account);
        r.addRecipients(List.of(recipients));
        r.commit();
    }

    @Test
    void messagesPerHourAllowsTheLimitAndNamesWhenTheNextFits() throws Exception {
        open(new QuotaLimits(3, 0, 0, 0));
        send(ALICE, "a@x.example");
        clock.advance(Duration.ofMinutes(10));
        send(ALICE, "b@x.example");
        send(ALICE, "c@x.example");
        QuotaExceededException e = catchQuota(() -> quota.reserveMessage(ALICE));
        assertThat(e.kind()).isEqualTo(QuotaKind.MESSAGES_PER_HOUR);
        assertThat(e.limit()).isEqualTo(3);
        assertThat(e.freeAt()).isEqualTo(Instant.parse("2026-01-01T01:00:00Z")); // when the 00:00 message leaves
        assertThat(quota.metrics().count(QuotaKind.MESSAGES_PER_HOUR)).isEqualTo(1);
        clock.advance(Duration.ofMinutes(50)); // 01:00
        send(ALICE, "d@x.example");
        assertThat(catchQuota(() -> quota.reserveMessage(ALICE)).freeAt()).isEqualTo(Instant.parse("2026-01-01T01:10:00Z"));
    }

    @Test
    void messagesPerDayIsItsOwnLimit() throws Exception {
        open(new QuotaLimits(0, 2, 0, 0));
        send(ALICE, "a@x.example");
        clock.advance(Duration.ofHours(5));
        send(ALICE, "a@x.example");
        clock.advance(Duration.ofHours(5));
        QuotaExceededException e = catchQuota(() -> quota.reserveMessage(ALICE));
        assertThat(e.kind()).isEqualTo(QuotaKind.MESSAGES_PER_DAY);
        assertThat(e.freeAt()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThat(quota.metrics().count(QuotaKind.MESSAGES_PER_DAY)).isEqualTo(1);
        assertThat(quota.metrics().total()).isEqualTo(1);
    }

    @Test
    void onlyCommittedMessagesCountAndOpenOnesHoldTheirShare() throws Exception {
        open(new QuotaLimits(2, 0, 0, 0));
        Reservation first = quota.reserveMessage(ALICE);
        Reservation second = quota.reserveMessage(ALICE);
        assertThat(quota.usage(ALICE).heldMessages()).isEqualTo(2);
        // Two open transactions hold the hour: a third has to wait, if only for them to end.
        QuotaExceededException e = catchQuota(() -> quota.reserveMessage(ALICE));
        assertThat(e.freeAt()).isEqualTo(Instant.parse("2026-01-01T00:01:00Z"));
        first.release();
        first.release(); // once only
        second.commit();
        assertThat(quota.usage(ALICE)).isEqualTo(new Usage(1, 1, 0, 0, 0, 0, 0));
        send(ALICE, "a@x.example");
        assertThat(catchQuota(() -> quota.reserveMessage(ALICE)).kind()).isEqualTo(QuotaKind.MESSAGES_PER_HOUR);
    }

    @Test
    void recipientsPerDayCountsEveryRecipientAndRefusesAllOfABatchThatDoesNotFit() throws Exception {
        open(new QuotaLimits(0, 0, 3, 0));
        Reservation r = quota.reserveMessage(ALICE);
        r.addRecipients(List.of("a@x.example", "b@x.example"));
        assertThatThrownBy(() -> r.addRecipients(List.of("c@x.example", "d@x.example")))
                .isInstanceOfSatisfying(QuotaExceededException.class, e -> {
                    assertThat(e.kind()).isEqualTo(QuotaKind.RECIPIENTS_PER_DAY);
                    assertThat(e.limit()).isEqualTo(3);
                });
        r.addRecipients(List.of("a@x.example")); // the same address again is another recipient
        r.commit();
        assertThat(quota.usage(ALICE).recipientsLastDay()).isEqualTo(3);
        Reservation next = quota.reserveMessage(ALICE);
        QuotaExceededException e = catchQuota(() -> next.addRecipients(List.of("e@x.example")));
        assertThat(e.freeAt()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        next.release();
    }

    @Test
    void newRecipientsAreThoseNotSentToInThirtyDays() throws Exception {
        open(new QuotaLimits(0, 0, 0, 2));
        send(ALICE, "a@x.example", "B@X.example");
        assertThat(quota.usage(ALICE).newRecipientsLastDay()).isEqualTo(2);
        send(ALICE, "b@x.example", "a@x.example"); // known: case does not matter
        Reservation r = quota.reserveMessage(ALICE);
        QuotaExceededException e = catchQuota(() -> r.addRecipients(List.of("c@x.example")));
        assertThat(e.kind()).isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        r.addRecipients(List.of("a@x.example"));
        r.commit();
        clock.advance(Duration.ofDays(1)); // the day has passed: two new ones again
        send(ALICE, "c@x.example", "d@x.example");
        clock.advance(Duration.ofDays(29)); // a and b last used 30 days ago: new once more
        send(ALICE, "a@x.example", "b@x.example");
        assertThat(quota.usage(ALICE).newRecipientsLastDay()).isEqualTo(2);
        Reservation known = quota.reserveMessage(ALICE);
        known.addRecipients(List.of("c@x.example")); // 29 days ago: still known
        assertThat(catchQuota(() -> known.addRecipients(List.of("e@x.example"))).kind())
                .isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        known.release();
    }

    @Test
    void aNewRecipientHeldByTwoTransactionsCountsOnce() throws Exception {
        open(new QuotaLimits(0, 0, 0, 2));
        Reservation one = quota.reserveMessage(ALICE);
        Reservation two = quota.reserveMessage(ALICE);
        one.addRecipients(List.of("a@x.example"));
        two.addRecipients(List.of("a@x.example"));
        two.addRecipients(List.of("b@x.example"));
        assertThat(catchQuota(() -> one.addRecipients(List.of("c@x.example"))).kind())
                .isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        one.commit();
        two.commit();
        assertThat(quota.usage(ALICE).newRecipientsLastDay()).isEqualTo(2);
        Reservation three = quota.reserveMessage(ALICE);
        three.addRecipients(List.of("a@x.example", "b@x.example"));
        assertThat(catchQuota(() -> three.addRecipients(List.of("c@x.example"))).kind())
                .isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        three.release();
        assertThat(quota.usage(ALICE)).extracting(Usage::heldMessages, Usage::heldRecipients).containsExactly(0L, 0L);
    }

    @Test
    void aReleasedNewRecipientFreesItsPlace() throws Exception {
        open(new QuotaLimits(0, 0, 0, 1));
        Reservation one = quota.reserveMessage(ALICE);
        one.addRecipients(List.of("a@x.example"));
        Reservation two = quota.reserveMessage(ALICE);
        assertThat(catchQuota(() -> two.addRecipients(List.of("b@x.example"))).kind())
                .isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        one.release();
        two.addRecipients(List.of("b@x.example"));
        two.commit();
        assertThat(quota.usage(ALICE).newRecipientsLastDay()).isEqualTo(1);
    }

    @Test
    void limitsPerAccountOverrideTheDefaultsAndZeroIsUnlimited() throws Exception {
        open(new QuotaSettings(new QuotaLimits(1, 0, 0, 0),
                Map.of("bulk@example.com", new QuotaLimits(0, 0, 0, 0))));
        send(ALICE, "a@x.example");
        assertThat(catchQuota(() -> quota.reserveMessage("Alice@Example.com")).kind())
                .as("accounts compare without case").isEqualTo(QuotaKind.MESSAGES_PER_HOUR);
        for (int i = 0; i < 50; i++) {
            send("BULK@example.com", "r" + i + "@x.example");
        }
        assertThat(quota.usage("bulk@example.com").messagesLastHour()).isEqualTo(50);
        assertThat(quota.usage("bulk@example.com").rememberedRecipients())
                .as("no memory of recipients where new ones are not limited").isZero();
    }

    @Test
    void usageOutlivesAClose() throws Exception {
        open(new QuotaLimits(5, 10, 20, 3));
        send(ALICE, "a@x.example", "b@x.example");
        clock.advance(Duration.ofMinutes(30));
        send(ALICE, "c@x.example");
        Reservation abandoned = quota.reserveMessage(ALICE);
        abandoned.addRecipients(List.of("a@x.example"));
        open(new QuotaLimits(5, 10, 20, 3)); // closes and reopens on the same directory
        assertThat(quota.usage(ALICE)).isEqualTo(new Usage(2, 2, 3, 3, 3, 0, 0));
        Reservation r = quota.reserveMessage(ALICE);
        r.addRecipients(List.of("a@x.example", "c@x.example")); // remembered across the restart
        assertThat(catchQuota(() -> r.addRecipients(List.of("d@x.example"))).kind())
                .isEqualTo(QuotaKind.NEW_RECIPIENTS_PER_DAY);
        r.release();
        clock.advance(Duration.ofMinutes(30)); // the first message has left the hour
        assertThat(open(new QuotaLimits(5, 10, 20, 3)).usage(ALICE).messagesLastHour()).isEqualTo(1);
        assertThat(Files.getPosixFilePermissions(dir.resolve("usage.journal")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(Files.getPosixFilePermissions(dir.resolve("key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    void theJournalHoldsNoAddressesAndIsCompactedAtStart() throws Exception {
        open(new QuotaLimits(0, 0, 0, 100));
        for (int i = 0; i < 20; i++) {
            send(ALICE, "friend@x.example");
        }
        String journal = Files.readString(dir.resolve("usage.journal"));
        assertThat(journal).startsWith(UsageJournal.HEADER + "\n").contains(ALICE).doesNotContain("friend");
        assertThat(journal.lines()).hasSize(21); // one line per message
        clock.advance(Duration.ofDays(2));
        open(new QuotaLimits(0, 0, 0, 100));
        // The day has gone: only the remembered recipient is left, in one line.
        assertThat(Files.readString(dir.resolve("usage.journal")).lines()).hasSize(2);
        clock.advance(Duration.ofDays(29));
        open(new QuotaLimits(0, 0, 0, 100));
        assertThat(Files.readString(dir.resolve("usage.journal"))).isEqualTo(UsageJournal.HEADER + "\n");
    }

    @Test
    void aTornLastLineIsSkipped() throws Exception {
        open(new QuotaLimits(0, 5, 0, 0));
        send(ALICE, "a@x.example");
        send(ALICE, "a@x.example");
        quota.close();
        quota = null;
        Files.writeString(dir.resolve("usage.journal"), "29453760 alice@exa", java.nio.file.StandardOpenOption.APPEND);
        open(new QuotaLimits(0, 5, 0, 0));
        assertThat(quota.usage(ALICE).messagesLastDay()).isEqualTo(2);
    }

    @Test
    void anotherFileInPlaceOfTheJournalStopsTheStart() throws Exception {
        Files.writeString(dir.resolve("usage.journal"), "something else\n");
        assertThatThrownBy(() -> SendingQuota.open(dir, QuotaSettings.DEFAULT, clock))
                .hasMessageContaining("not a usage journal");
    }

    private static QuotaExceededException catchQuota(QuotaCall call) {
        try {
            call.run();
        } catch (QuotaExceededException e) {
            return e;
        }
        throw new AssertionError("no quota refusal");
    }

    @FunctionalInterface
    private interface QuotaCall {
        void run() throws QuotaExceededException;
    }
}
