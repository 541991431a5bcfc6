package dev.mailroom.delivery;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.local.LmtpDelivery;
import dev.mailroom.local.LocalRecipients;
import dev.mailroom.local.MaildirDelivery;
import dev.mailroom.local.Resolution;
import dev.mailroom.log.EventLog;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.MessageSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local delivery agent (Postfix's local(8) and lmtp(8)): resolves each recipient of a local domain through
 * aliases, users, plus-addressing and postmaster ({@link LocalRecipients}), stores the local mailboxes' copies
 * in Maildir or hands them to an LMTP server in one transaction, and queues one new message for the alias
 * targets elsewhere (with the original sender, as sendmail and Postfix do). A recipient's result is the worst
 * of its copies' results.
 */
public final class LocalDelivery implements DeliveryAgent {
    private final LocalRecipients recipients;
    private final MaildirDelivery maildir;
    private final LmtpDelivery lmtp;
    private final Spool spool;

    /** Exactly one of {@code maildir} and {@code lmtp} is non-null. */
    public LocalDelivery(LocalRecipients recipients, MaildirDelivery maildir, LmtpDelivery lmtp, Spool spool) {
        if ((maildir == null) == (lmtp == null)) {
            throw new IllegalArgumentException("one of maildir and lmtp");
        }
        this.recipients = recipients;
        this.maildir = maildir;
        this.lmtp = lmtp;
        this.spool = spool;
    }

    private record Copy(int index, Mailbox mailbox) {
    }

    @Override
    public Map<Integer, Attempt> deliver(StoredMessage message, List<Integer> indexes, Destination destination) {
        Map<Integer, SmtpReply> worst = new HashMap<>();
        List<Copy> local = new ArrayList<>();
        List<Copy> remote = new ArrayList<>();
        for (int i : indexes) {
            Recipient r = message.envelope().recipients().get(i);
            switch (recipients.resolve(r.mailbox())) {
                case Resolution.Resolved ok -> {
                    for (var d : ok.destinations()) {
                        switch (d) {
                            case dev.mailroom.local.Destination.Local l -> local.add(new Copy(i, l.mailbox()));
                            case dev.mailroom.local.Destination.Remote x -> remote.add(new Copy(i, x.address()));
                        }
                    }
                    worst.put(i, SmtpReply.of(250, "2.0.0", "Delivered"));
                }
                case Resolution failed -> worst.put(i, failed.reply()); // unknown (550 5.1.1), loop, lookup error
            }
        }
        MessageSource source = source(message);
        if (maildir != null) {
            for (Copy c : local) {
                merge(worst, c.index, maildir.deliver(message.envelope().reversePath(), c.mailbox, source));
            }
        } else if (!local.isEmpty()) {
            List<Recipient> rs = local.stream().map(c -> Recipient.of(c.mailbox)).toList();
            Envelope e = new Envelope(message.envelope().reversePath(), message.envelope().parameters(), rs);
            List<SmtpReply> replies = lmtp.deliver(e, source);
            for (int k = 0; k < local.size(); k++) {
                merge(worst, local.get(k).index, replies.get(k));
            }
        }
        if (!remote.isEmpty()) {
            SmtpReply forwarded = forward(message, remote);
            remote.forEach(c -> merge(worst, c.index, forwarded));
        }
        Map<Integer, Attempt> out = new HashMap<>();
        String via = lmtp != null ? lmtp.target().toString() : null;
        worst.forEach((i, reply) -> out.put(i, Attempt.of(reply, reply.isPositive() ? via : null, Outcome.DELIVERED)));
        return out;
    }

    /** Queues one copy for the alias targets elsewhere; the scheduler routes it like any other message. */
    private SmtpReply forward(StoredMessage message, List<Copy> targets) {
        List<Recipient> rs = targets.stream().map(c -> Recipient.of(c.mailbox)).distinct().toList();
        Envelope e = new Envelope(message.envelope().reversePath(), message.envelope().parameters(), rs);
        try {
            SpoolWriter w = spool.create(e, null);
            // The writer's stream stays open: commit() flushes and syncs it.
            try (InputStream in = message.openContent()) {
                in.transferTo(w.content());
            } catch (IOException ex) {
                w.abort();
                throw ex;
            }
            w.commit();
            EventLog.info("forwarded", "new", w.id(), "rcpts", rs.size());
            return SmtpReply.of(250, "2.0.0", "Forwarded as " + w.id());
        } catch (IOException ex) {
            return SmtpReply.of(451, "4.3.0", "Cannot queue the forwarded copy: " + ex);
        }
    }

    /** Keeps the worse reply: permanent over transient over success. */
    private static void merge(Map<Integer, SmtpReply> worst, int index, SmtpReply reply) {
        SmtpReply old = worst.get(index);
        if (old == null || rank(reply) > rank(old)) {
            worst.put(index, reply);
        }
    }

    private static int rank(SmtpReply r) {
        return r.isPermanent() ? 2 : r.isTransient() ? 1 : 0;
    }

    private static MessageSource source(StoredMessage m) {
        return new MessageSource() {
            @Override
            public InputStream open() throws IOException {
                return m.openContent();
            }

            @Override
            public long size() {
                return m.size();
            }
        };
    }
}
