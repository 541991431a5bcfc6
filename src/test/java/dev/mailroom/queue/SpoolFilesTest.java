package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolFilesTest {
    @TempDir
    Path dir;

    private static Envelope envelope() {
        return new Envelope(new Mailbox("\"odd user\"", "example.com"),
                new MailParameters(BodyType.EIGHT_BIT_MIME, true, 1234, DsnRet.HDRS, "Env+2BId", "<>", false),
                List.of(new Recipient(new Mailbox("bob", "example.org"), "success,FAILURE", "rfc822;Bob@Example.org"),
                        Recipient.of(new Mailbox("用户", "例子.测试"))));
    }

    @Test
    void aCommittedMessageReadsBackWithItsEnvelopeAndExactContent() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        byte[] content = "Subject: x\r\n\r\nbody \u00e9\r\n".getBytes(StandardCharsets.UTF_8);
        SpoolWriter w = spool.create(envelope(), "alice@example.com");
        w.content().write(content);
        w.commit();
        assertThat(spool.list()).containsExactly(w.id());
        StoredMessage m = spool.read(w.id());
        assertThat(m.envelope()).isEqualTo(envelope());
        assertThat(m.authenticatedUser()).isEqualTo("alice@example.com");
        assertThat(m.size()).isEqualTo(content.length);
        try (var in = m.openContent()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        assertThat(m.state().attempts()).isZero();
        assertThat(Files.list(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void RTLS_02_theTlsRequiredTagAndRequireTlsSurviveTheRoundTrip() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        for (MailParameters p : List.of(MailParameters.NONE.withTlsOptional(),
                new MailParameters(null, false, -1, null, null, null, true))) {
            Envelope env = new Envelope(null, p, List.of(Recipient.of(new Mailbox("a", "b.example"))));
            SpoolWriter w = spool.create(env, null);
            w.commit();
            assertThat(spool.read(w.id()).envelope()).isEqualTo(env);
            assertThat(Files.readString(dir.resolve("queue").resolve(w.id())))
                    .contains(p.requireTls() ? "\nrequiretls\n" : "\ntlsoptional\n");
        }
    }

    @Test
    void theNullSenderSurvivesTheRoundTrip() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        Envelope env = new Envelope(null, MailParameters.NONE, List.of(Recipient.of(new Mailbox("a", "b.example"))));
        SpoolWriter w = spool.create(env, null);
        w.commit();
        assertThat(spool.read(w.id()).envelope()).isEqualTo(env);
        assertThat(spool.read(w.id()).authenticatedUser()).isNull();
    }

    @Test
    void anAbortedMessageLeavesNothingBehind() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        SpoolWriter w = spool.create(envelope(), null);
        w.content().write(new byte[100_000]);
        w.abort();
        assertThat(spool.list()).isEmpty();
        assertThat(Files.list(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void recoveryDropsUnacknowledgedFilesAndKeepsCommittedOnes() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        SpoolWriter kept = spool.create(envelope(), null);
        kept.commit();
        SpoolWriter crashed = spool.create(envelope(), null);
        crashed.content().write("partial".getBytes(StandardCharsets.US_ASCII));
        crashed.content().flush(); // as if the process died here, before commit and before any 250
        FileSpool again = FileSpool.recover(dir);
        assertThat(again.list()).containsExactly(kept.id());
        assertThat(Files.list(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void deliveryStateIsReplacedAndRemovedWithTheMessage() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        SpoolWriter w = spool.create(envelope(), null);
        w.commit();
        Instant next = Instant.ofEpochMilli(1_800_000_000_000L);
        int n = spool.read(w.id()).envelope().recipients().size();
        assertThat(spool.read(w.id()).state()).isEqualTo(DeliveryState.fresh(spool.read(w.id()).created(), n));
        DeliveryState saved = DeliveryState.fresh(next, n).withAttempt(3, next)
                .withRecipient(n - 1, new RecipientState(RecipientState.Outcome.PENDING,
                        SmtpReply.of(451, "4.3.0", "try later"), "mx.example.org", next))
                .withHeld(true);
        spool.saveState(w.id(), saved);
        DeliveryState s = spool.read(w.id()).state();
        assertThat(s).isEqualTo(saved);
        assertThat(s.lastError()).isEqualTo("451 4.3.0 try later");
        spool.remove(w.id());
        assertThat(spool.list()).isEmpty();
        assertThat(Files.list(dir.resolve("queue"))).isEmpty();
    }

    @Test
    void aStateSavedBeforeARestartIsRemovedWithItsMessageAfterIt() throws Exception {
        FileSpool before = FileSpool.recover(dir);
        SpoolWriter w = before.create(envelope(), null);
        w.commit();
        int n = before.read(w.id()).envelope().recipients().size();
        Instant next = Instant.ofEpochMilli(1_800_000_000_000L);
        before.saveState(w.id(), DeliveryState.fresh(next, n).withAttempt(1, next));
        FileSpool after = FileSpool.recover(dir); // the next run learns which messages have a state file
        after.remove(w.id());
        assertThat(Files.list(dir.resolve("queue"))).isEmpty();
    }

    @Test
    void concurrentCommitsShareDirectorySyncsAndAllSucceed() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        List<Future<String>> ids = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                int n = i;
                ids.add(pool.submit(() -> {
                    SpoolWriter w = spool.create(envelope(), null);
                    w.content().write(("message " + n).getBytes(StandardCharsets.US_ASCII));
                    w.commit();
                    return w.id();
                }));
            }
        }
        Set<String> committed = new HashSet<>();
        for (Future<String> f : ids) {
            committed.add(f.get());
        }
        assertThat(committed).hasSize(200);
        assertThat(spool.list()).containsExactlyInAnyOrderElementsOf(committed);
    }

    @Test
    void queueIdsAreUniqueAndSortByCreation() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(QueueIds.next());
        }
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids).allSatisfy(id -> assertThat(QueueIds.isValid(id)).isTrue());
        List<String> prefixes = ids.stream().map(id -> id.substring(0, 11)).toList();
        assertThat(prefixes).isSorted();
    }

    private static String commit(FileSpool spool, String content) throws Exception {
        SpoolWriter w = spool.create(envelope(), null);
        w.content().write(content.getBytes(StandardCharsets.UTF_8));
        w.commit();
        return w.id();
    }

    private static String contentOf(FileSpool spool, String id) throws Exception {
        try (var in = spool.read(id).openContent()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private List<Path> spares() throws Exception {
        try (var s = Files.list(dir.resolve("spare"))) {
            return s.toList();
        }
    }

    @Test
    void aDeliveredMessagesFileHoldsTheNextMessageCutToItsLength() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String first = commit(spool, "Subject: long\r\n\r\n" + "x".repeat(20_000) + "\r\n");
        spool.remove(first);
        assertThat(spool.list()).isEmpty();
        List<Path> kept = spares();
        assertThat(kept).hasSize(1);
        Object inode = Files.readAttributes(kept.getFirst(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        String second = commit(spool, "Subject: short\r\n\r\nhi\r\n");
        assertThat(spares()).isEmpty();
        assertThat(spool.list()).containsExactly(second);
        assertThat(contentOf(spool, second)).isEqualTo("Subject: short\r\n\r\nhi\r\n"); // nothing of the old tail
        assertThat(spool.read(second).envelope()).isEqualTo(envelope());
        Object reused = Files.readAttributes(dir.resolve("queue").resolve(second),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThat(reused).isEqualTo(inode); // the same file: no inode allocated
    }

    @Test
    void anAbortedMessageInASpareLeavesNothingBehind() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        spool.remove(commit(spool, "Subject: a\r\n\r\nbody\r\n"));
        SpoolWriter w = spool.create(envelope(), null);
        w.content().write("partial".getBytes(StandardCharsets.US_ASCII));
        w.abort();
        assertThat(spool.list()).isEmpty();
        assertThat(spares()).isEmpty();
        assertThat(Files.list(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void sparesSurviveARestartAndAreNeverReadAsMessages() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String a = commit(spool, "Subject: a\r\n\r\nbody\r\n");
        String b = commit(spool, "Subject: b\r\n\r\nbody\r\n");
        spool.remove(a);
        spool.remove(b);
        SpoolWriter crashed = spool.create(envelope(), null); // takes a spare and dies before commit
        crashed.content().write("partial".getBytes(StandardCharsets.US_ASCII));
        crashed.content().flush();

        FileSpool again = FileSpool.recover(dir);
        assertThat(again.list()).isEmpty();
        assertThat(spares()).hasSize(2);
        String next = commit(again, "Subject: c\r\n\r\nc\r\n");
        assertThat(again.list()).containsExactly(next);
        assertThat(contentOf(again, next)).isEqualTo("Subject: c\r\n\r\nc\r\n");
    }

    @Test
    void aBigMessagesFileIsKeptEmptyAndHoldsTheNextMessage() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String big = commit(spool, "Subject: big\r\n\r\n" + "y".repeat((int) SpareFiles.MAX_SIZE) + "\r\n");
        spool.remove(big);
        assertThat(spares()).hasSize(1);
        assertThat(Files.size(spares().getFirst())).isZero();
        assertThat(Files.list(dir.resolve("queue"))).isEmpty();
        String next = commit(spool, "Subject: small\r\n\r\nsmall\r\n");
        assertThat(spares()).isEmpty();
        assertThat(contentOf(spool, next)).isEqualTo("Subject: small\r\n\r\nsmall\r\n");
    }

    @Test
    void fieldsPrependedInASpareAreKeptAndNothingOfTheOldTailFollows() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        spool.remove(commit(spool, "Subject: long\r\n\r\n" + "z".repeat(30_000) + "\r\n"));
        SpoolWriter w = spool.create(envelope(), null);
        w.content().write("Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        w.prependHeader("DKIM-Signature: v=1; x\r\n".getBytes(StandardCharsets.US_ASCII));
        w.commit();
        assertThat(spares()).isEmpty(); // it went into the spare
        assertThat(contentOf(spool, w.id())).isEqualTo("DKIM-Signature: v=1; x\r\nSubject: s\r\n\r\nbody\r\n");
        assertThat(spool.read(w.id()).size()).isEqualTo(
                "DKIM-Signature: v=1; x\r\nSubject: s\r\n\r\nbody\r\n".length());
    }
}
