package dev.mailroom.smtp.client;

import dev.mailroom.smtp.SmtpReply;
import java.util.List;

/**
 * What the server said in one mail transaction.
 *
 * @param mailReply        the reply to MAIL FROM (or a reply the client made up, see {@code synthesized})
 * @param recipientReplies one reply per envelope recipient, in envelope order; empty when no RCPT was sent
 *                         (MAIL refused without pipelining, or a synthesized refusal)
 * @param dataReply        the final reply for the content: after the terminating dot, or after the
 *                         {@code BDAT ... LAST} chunk, or the refusal of DATA / of a BDAT chunk; null when
 *                         the content phase was not reached
 * @param synthesized      true when the client answered itself without asking the server (the message
 *                         exceeds the size the server advertised in EHLO, RFC 1870 section 6.1)
 */
public record TransactionResult(SmtpReply mailReply, List<SmtpReply> recipientReplies, SmtpReply dataReply,
                                boolean synthesized) {

    public TransactionResult {
        recipientReplies = List.copyOf(recipientReplies);
    }

    static TransactionResult synthesized(SmtpReply reply) {
        return new TransactionResult(reply, List.of(), null, true);
    }

    /** True when the message was delivered to recipient {@code index} (MAIL, its RCPT and the data all 2xx). */
    public boolean accepted(int index) {
        return mailReply.code() / 100 == 2 && index < recipientReplies.size()
                && recipientReplies.get(index).code() / 100 == 2 && dataReply != null && dataReply.code() / 100 == 2;
    }

    /**
     * The reply that decides the fate of recipient {@code index}: MAIL's if MAIL failed, the RCPT's if that
     * failed, else the data reply. The caller maps its class to retry (4yz) or bounce (5yz) per RFC 5321
     * section 4.2.5.
     */
    public SmtpReply replyFor(int index) {
        if (mailReply.code() / 100 != 2 || index >= recipientReplies.size()) {
            return mailReply;
        }
        SmtpReply rcpt = recipientReplies.get(index);
        if (rcpt.code() / 100 != 2 || dataReply == null) {
            return rcpt;
        }
        return dataReply;
    }
}
