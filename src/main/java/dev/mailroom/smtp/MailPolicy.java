package dev.mailroom.smtp;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.util.List;

/**
 * The decisions a listener's role makes; the engine asks, the role answers. The engine enforces SMTP
 * itself (syntax, command order, limits, framing) and knows nothing of who may send what.
 *
 * <p>Every method refuses by throwing {@link SmtpException} with the exact reply.
 */
public interface MailPolicy {

    /** Called before each transaction command (MAIL, RCPT, DATA, BDAT, VRFY): e.g. 530 without AUTH. */
    void gate(SessionInfo session, Command command) throws SmtpException;

    /** MAIL FROM, after syntax checks. Returns the reverse-path to use (possibly completed). */
    Mailbox mail(SessionInfo session, Mailbox reversePath, MailParameters parameters) throws SmtpException;

    /**
     * RCPT TO, after syntax checks. Returns the recipients to record: usually the one given (perhaps with a
     * completed domain), several for an expanded alias.
     */
    List<Recipient> rcpt(SessionInfo session, Mailbox reversePath, Recipient recipient) throws SmtpException;

    /** DATA or the first BDAT: where the content goes. */
    MessageReceiver receive(SessionInfo session, Envelope envelope) throws SmtpException;

    /**
     * The transaction that a successful MAIL began has ended: {@code accepted} when the receiver accepted the
     * message (called before the client gets that 250), otherwise it ended without one (RSET, EHLO, STARTTLS, a
     * rejected message, a lost connection). Called exactly once per transaction, on the session's thread, for a
     * policy that holds something from MAIL to the end of the transaction.
     */
    default void transactionEnded(SessionInfo session, boolean accepted) {
    }

    /** The commands a policy may gate. */
    enum Command { MAIL, RCPT, DATA, BDAT, VRFY, EXPN }
}
