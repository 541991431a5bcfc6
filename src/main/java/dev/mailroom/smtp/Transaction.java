package dev.mailroom.smtp;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.util.ArrayList;
import java.util.List;

/** One mail transaction: from MAIL to the end of its data, or to RSET. */
final class Transaction {
    final Mailbox reversePath;
    final MailParameters parameters;
    final List<Recipient> recipients = new ArrayList<>();

    // BDAT state (RFC 3030): the receiver stays open across chunks.
    MessageReceiver bdatReceiver;
    ContentSink bdatSink;
    boolean bdatStarted;
    /** A BDAT chunk failed: every further BDAT gets 503 until RSET (RFC 3030 section 2). */
    boolean bdatFailed;

    Transaction(Mailbox reversePath, MailParameters parameters) {
        this.reversePath = reversePath;
        this.parameters = parameters;
    }

    Envelope envelope() {
        return new Envelope(reversePath, parameters, recipients);
    }

    void abort() {
        if (bdatReceiver != null) {
            bdatReceiver.abort();
            bdatReceiver = null;
            bdatSink = null;
        }
    }
}
