package dev.mailroom.queue;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Commits messages into a real spool for the queue tests. */
final class TestMessages {
    private TestMessages() {
    }

    static String commit(Spool spool, String sender, String content, Recipient... recipients) throws IOException {
        Envelope env = new Envelope(sender == null ? null : FileSpool.mailbox(sender), MailParameters.NONE,
                List.of(recipients));
        SpoolWriter w = spool.create(env, null);
        w.content().write(content.getBytes(StandardCharsets.UTF_8));
        w.commit();
        return w.id();
    }

    static String commit(Spool spool) throws IOException {
        return commit(spool, "alice@example.com", "Subject: test\r\n\r\nbody\r\n",
                Recipient.of(new Mailbox("bob", "example.org")));
    }
}
