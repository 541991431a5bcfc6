package dev.mailroom.submission;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.log.EventLog;
import dev.mailroom.log.LogBudget;
import dev.mailroom.quota.QuotaExceededException;
import dev.mailroom.quota.Reservation;
import dev.mailroom.quota.SendingQuota;
import dev.mailroom.smtp.MailPolicy;
import dev.mailroom.smtp.MessageReceiver;
import dev.mailroom.smtp.SessionInfo;
import dev.mailroom.smtp.SmtpException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sending quotas of authenticated accounts ({@link SendingQuota}) around a listener's own policy: the damage
 * cap for a stolen password. Whatever the inner policy accepts at MAIL holds one message of the account's
 * allowance, and at RCPT its recipients; the engine's end of the transaction commits them (the 250 after the
 * data) or gives them back. Beyond a limit: {@code 450 4.7.1} with the limit and when it frees up, at MAIL for
 * message counts and at RCPT for recipient counts: temporary (RFC 5321 section 4.2.1), as the sliding window makes
 * room by itself, and X.7.1 "delivery not authorized" (RFC 3463 section 3.8).
 *
 * <p>Sessions without an authenticated user have no account and pass untouched (a trusted network; port 25).
 * It wraps the submission policy, and a transfer listener's where it offers AUTH, so the quota applies wherever
 * an account can send.
 */
public final class AccountQuotaPolicy implements MailPolicy {
    /** All sessions together log at most 50 quota refusals a second (bursts of 200). */
    private static final LogBudget LOG_BUDGET = new LogBudget(50, 200, System::nanoTime);

    private final MailPolicy inner;
    private final SendingQuota quota;
    /** The open transactions of authenticated sessions, by session id; each session touches only its own. */
    private final Map<String, Reservation> open = new ConcurrentHashMap<>();

    public AccountQuotaPolicy(MailPolicy inner, SendingQuota quota) {
        this.inner = inner;
        this.quota = quota;
    }

    @Override
    public void gate(SessionInfo session, Command command) throws SmtpException {
        inner.gate(session, command);
    }

    @Override
    public Mailbox mail(SessionInfo session, Mailbox reversePath, MailParameters parameters) throws SmtpException {
        Mailbox from = inner.mail(session, reversePath, parameters);
        String account = session.authenticatedUser();
        if (account != null) {
            try {
                open.put(session.sessionId(), quota.reserveMessage(account));
            } catch (QuotaExceededException e) {
                throw refusal(session, Command.MAIL, e);
            }
        }
        return from;
    }

    @Override
    public List<Recipient> rcpt(SessionInfo session, Mailbox reversePath, Recipient recipient) throws SmtpException {
        List<Recipient> accepted = inner.rcpt(session, reversePath, recipient);
        Reservation reservation = open.get(session.sessionId());
        if (reservation != null) {
            // Counted as sent: after alias expansion, each envelope recipient the message will go to.
            try {
                reservation.addRecipients(accepted.stream().map(r -> r.mailbox().address()).toList());
            } catch (QuotaExceededException e) {
                throw refusal(session, Command.RCPT, e);
            }
        }
        return accepted;
    }

    @Override
    public MessageReceiver receive(SessionInfo session, Envelope envelope) throws SmtpException {
        return inner.receive(session, envelope);
    }

    @Override
    public void transactionEnded(SessionInfo session, boolean accepted) {
        Reservation reservation = open.remove(session.sessionId());
        if (reservation != null) {
            if (accepted) {
                reservation.commit();
            } else {
                reservation.release();
            }
        }
        inner.transactionEnded(session, accepted);
    }

    private static SmtpException refusal(SessionInfo session, Command command, QuotaExceededException e) {
        String freeAt = e.freeAt().truncatedTo(ChronoUnit.SECONDS).toString();
        long dropped = LOG_BUDGET.take();
        if (dropped >= 0) {
            EventLog.info("quota", "client", session.client().getAddress().getHostAddress(),
                    "user", session.authenticatedUser(), "command", command, "limit", e.kind().key(), "max", e.limit(),
                    "free_at", freeAt, "suppressed", dropped > 0 ? dropped : null);
        }
        return new SmtpException(450, "4.7.1", "Sending limit reached: " + e.limit() + " " + e.kind().text()
                + " for this account; try again after " + freeAt);
    }
}
