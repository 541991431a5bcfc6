package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SpoolWriter#prependHeader}: fields known only at the end of the content (DKIM-Signature) are stored after
 * it, in the same file, and every reader sees them first.
 */
class PrependedHeaderTest {
    @TempDir
    Path dir;

    static final Envelope ENVELOPE = new Envelope(new Mailbox("alice", "example.com"), MailParameters.NONE,
            List.of(Recipient.of(new Mailbox("bob", "example.org"))));
    static final byte[] FIELDS = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=e1;\r\n b=AAAA\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    static byte[] read(StoredMessage m) throws Exception {
        try (InputStream in = m.openContent()) {
            return in.readAllBytes();
        }
    }

    @Test
    void prependedFieldsComeFirstAndCountInTheSize() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        byte[] content = new byte[300_000]; // larger than the writer's buffer: the position must still be right
        new Random(1).nextBytes(content);
        System.arraycopy("Received: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, content, 0, 15);
        SpoolWriter w = spool.create(ENVELOPE, "alice@example.com");
        w.content().write(content);
        w.prependHeader(FIELDS);
        w.commit();
        StoredMessage m = spool.read(w.id());
        byte[] expected = new byte[FIELDS.length + content.length];
        System.arraycopy(FIELDS, 0, expected, 0, FIELDS.length);
        System.arraycopy(content, 0, expected, FIELDS.length, content.length);
        assertThat(read(m)).isEqualTo(expected);
        assertThat(m.size()).isEqualTo(expected.length);
        assertThat(read(m)).as("a second reader sees the same").isEqualTo(expected);
        assertThat(m.envelope()).isEqualTo(ENVELOPE);
        // mailroom queue show reads the same stream: the prepended field heads the header section it prints
        assertThat(MessageReport.show(m)).contains("DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=e1;");
        // one file, no copy: the fields sit after the content
        assertThat(Files.list(dir.resolve("queue")).toList()).containsExactly(dir.resolve("queue").resolve(w.id()));
    }

    @Test
    void withoutPrependedFieldsTheContentIsUnchangedAndAnEmptyPrependIsHarmless() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        SpoolWriter plain = spool.create(ENVELOPE, null);
        plain.content().write(content);
        plain.commit();
        assertThat(read(spool.read(plain.id()))).isEqualTo(content);
        SpoolWriter empty = spool.create(ENVELOPE, null);
        empty.content().write(content);
        empty.prependHeader(new byte[0]);
        empty.commit();
        assertThat(read(spool.read(empty.id()))).isEqualTo(content);
        assertThat(spool.read(empty.id()).size()).isEqualTo(content.length);
    }

    @Test
    void aSpoolFileOfAnOlderVersionWithoutThePrependLineStillReads() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String id = QueueIds.next();
        // The envelope as versions before the prepend line wrote it.
        String old = "Mailroom-Spool: 1\ncreated 1764400000000\nfrom alice@example.com\nrcpt bob@example.org\n\n";
        byte[] content = "Subject: old\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve("queue").resolve(id), concat(old.getBytes(StandardCharsets.US_ASCII), content));
        StoredMessage m = spool.read(id);
        assertThat(read(m)).isEqualTo(content);
        assertThat(m.size()).isEqualTo(content.length);
        assertThat(m.envelope()).isEqualTo(ENVELOPE);
    }

    @Test
    void prependIsOnceAndBeforeCommitAndAnAbortLeavesNothing() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        SpoolWriter w = spool.create(ENVELOPE, null);
        w.content().write("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        w.prependHeader(FIELDS);
        assertThatThrownBy(() -> w.prependHeader(FIELDS)).isInstanceOf(IllegalStateException.class);
        w.abort();
        assertThat(spool.list()).isEmpty();
        assertThat(Files.list(dir.resolve("incoming"))).isEmpty();

        SpoolWriter committed = spool.create(ENVELOPE, null);
        committed.commit();
        assertThatThrownBy(() -> committed.prependHeader(FIELDS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTruncatedFileIsReportedNotReadAsGarbage() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        SpoolWriter w = spool.create(ENVELOPE, null);
        w.content().write("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        w.prependHeader(FIELDS);
        w.commit();
        Path file = dir.resolve("queue").resolve(w.id());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 10));
        StoredMessage m = spool.read(w.id());
        assertThatThrownBy(() -> read(m)).isInstanceOf(java.io.IOException.class).hasMessageContaining(w.id());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
