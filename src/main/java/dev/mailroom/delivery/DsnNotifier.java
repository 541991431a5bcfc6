package dev.mailroom.delivery;

import dev.mailroom.address.Mailbox;
import dev.mailroom.dsn.Dsn;
import dev.mailroom.dsn.DsnAction;
import dev.mailroom.dsn.DsnBuilder;
import dev.mailroom.dsn.NotificationKind;
import dev.mailroom.dsn.NotifyDecision;
import dev.mailroom.dsn.NotifyPolicy;
import dev.mailroom.dsn.OriginalMessage;
import dev.mailroom.dsn.RecipientReport;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.log.EventLog;
import dev.mailroom.queue.DeliveryState;
import dev.mailroom.queue.RecipientState;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.queue.StoredMessage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the delivery status notifications (RFC 3464) that a change of state calls for and queues them like any
 * other message (Postfix's bounce(8)): one failure notice for the recipients that failed in this attempt, one
 * success notice for those delivered here when they asked for it (NOTIFY=SUCCESS), and one delay notice when the
 * message has waited longer than {@code delayAfter}. NOTIFY decides who is told (RFC 3461 section 4.1); a notice
 * for a null-sender message goes to the double-bounce postmaster when one is configured, else only to the log.
 *
 * <p>Recipients relayed to a hop that offered DSN get no success notice from here: the next hop was given NOTIFY
 * and reports itself; relayed to a hop without DSN, they get a "relayed" notice when they asked for SUCCESS
 * (RFC 3461 section 5.2.2).
 */
public final class DsnNotifier implements Notifier {
    private final Spool spool;
    private final DsnBuilder builder;
    private final Duration delayAfter;
    private final Duration lifetime;
    private final Mailbox doubleBounceTo;
    private final Clock clock;

    /** @param doubleBounceTo where failed null-sender messages are reported, or null to log and drop them */
    public DsnNotifier(Spool spool, DsnBuilder builder, Duration delayAfter, Duration lifetime, Mailbox doubleBounceTo,
                       Clock clock) {
        this.spool = spool;
        this.builder = builder;
        this.delayAfter = delayAfter;
        this.lifetime = lifetime;
        this.doubleBounceTo = doubleBounceTo;
        this.clock = clock;
    }

    @Override
    public DeliveryState changed(StoredMessage message, DeliveryState before, DeliveryState after) throws IOException {
        Instant now = clock.instant();
        List<RecipientReport> failed = new ArrayList<>();
        List<RecipientReport> delivered = new ArrayList<>();
        List<RecipientReport> delayed = new ArrayList<>();
        boolean delayDue = !after.delayNotified() && !after.finished()
                && !now.isBefore(message.created().plus(delayAfter));
        for (int i = 0; i < after.recipients().size(); i++) {
            Recipient rcpt = message.envelope().recipients().get(i);
            RecipientState was = before.recipients().get(i);
            RecipientState is = after.recipients().get(i);
            if (was.outcome() == Outcome.PENDING && is.outcome() == Outcome.FAILED) {
                failed.add(is.reply() == null
                        ? RecipientReport.failed(rcpt, "5.0.0", "failed without a reply", at(is, now))
                        : RecipientReport.failed(rcpt, is.reply(), is.remoteMta(), at(is, now)));
            } else if (was.outcome() == Outcome.PENDING && is.reply() != null
                    && (is.outcome() == Outcome.DELIVERED || is.outcome() == Outcome.RELAYED_WITHOUT_DSN)) {
                delivered.add(RecipientReport.succeeded(rcpt, is.outcome() == Outcome.DELIVERED ? DsnAction.DELIVERED
                        : DsnAction.RELAYED, is.reply(), is.remoteMta(), at(is, now)));
            } else if (delayDue && is.outcome() == Outcome.PENDING) {
                delayed.add(RecipientReport.delayed(rcpt, is.reply(), is.remoteMta(),
                        is.reply() == null ? "not yet attempted" : null, at(is, now),
                        message.created().plus(lifetime)));
            }
        }
        send(message, NotificationKind.FAILURE, failed);
        send(message, NotificationKind.SUCCESS, delivered);
        if (delayDue) {
            send(message, NotificationKind.DELAY, delayed);
            return after.withDelayNotified(); // one delay notice per message, as Postfix sends
        }
        return after;
    }

    private static Instant at(RecipientState s, Instant now) {
        return s.lastAttempt() == null ? now : s.lastAttempt();
    }

    private void send(StoredMessage message, NotificationKind kind, List<RecipientReport> reports) throws IOException {
        List<RecipientReport> toSender = new ArrayList<>();
        List<RecipientReport> toPostmaster = new ArrayList<>();
        for (RecipientReport r : reports) {
            NotifyDecision d = NotifyPolicy.decide(message.envelope(), r.recipient(), kind, doubleBounceTo);
            switch (d) {
                case SEND_TO_SENDER -> toSender.add(r);
                case DOUBLE_BOUNCE -> toPostmaster.add(r);
                case DISCARD_AND_LOG -> EventLog.warn("dsn-discarded", "queue", message.id(), "kind", kind,
                        "to", r.recipient().mailbox().address(), "status", r.status(),
                        "reason", "null reverse path");
                case NOT_REQUESTED -> {
                    // NOTIFY said no (or NEVER)
                }
            }
        }
        OriginalMessage original = new OriginalMessage(message.envelope(), message.created(), message.size(),
                message::openContent);
        if (!toSender.isEmpty()) {
            queue(message, builder.build(original, toSender));
        }
        if (!toPostmaster.isEmpty()) {
            queue(message, builder.buildForPostmaster(original, toPostmaster, doubleBounceTo));
        }
    }

    /**
     * Logged with {@code queue=} the original message explicitly: notices are also sent outside a delivery
     * attempt's MDC (the operator's {@code queue bounce}, the offline queue command).
     */
    private void queue(StoredMessage message, Dsn dsn) throws IOException {
        SpoolWriter w = spool.create(dsn.envelope(), null);
        try {
            dsn.writeTo(w.content()); // the writer's stream stays open: commit() flushes and syncs it
            w.commit();
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        }
        EventLog.info("dsn", "queue", message.id(), "kind", dsn.kind(), "new", w.id(),
                "to", dsn.envelope().recipients().getFirst().mailbox().address());
    }
}
