package dev.mailroom.dsn;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.Mailbox;
import dev.mailroom.address.Xtext;
import dev.mailroom.message.HeaderField;
import dev.mailroom.smtp.SmtpReply;
import java.io.ByteArrayOutputStream;
import java.time.ZoneId;
import java.util.List;

/**
 * The machine-readable part of a DSN: the body of message/delivery-status (RFC 3464 section 2), or of
 * message/global-delivery-status when the original used SMTPUTF8 (RFC 6533). One block of
 * per-message fields, then one block per recipient, blocks separated by an empty line; each line is a
 * header field, folded like one.
 */
final class DeliveryStatusReport {

    private final String reportingMta;
    private final ZoneId zone;
    private final boolean global;

    DeliveryStatusReport(String reportingMta, ZoneId zone, boolean global) {
        this.reportingMta = reportingMta;
        this.zone = zone;
        this.global = global;
    }

    byte[] render(OriginalMessage original, List<RecipientReport> reports) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + 512 * reports.size());
        // RFC 3464 section 2.2: per-message fields, in the order of its grammar.
        String envid = original.envelope().parameters().envid();
        if (envid != null) {
            // RFC 3464 section 2.2.1: the ENVID the sender gave, decoded from its xtext transport form
            // (RFC 3461 section 4.4); case and spelling are kept.
            field(out, "Original-Envelope-Id", text(decodeXtext(envid)));
        }
        field(out, "Reporting-MTA", "dns; " + reportingMta);                         // 2.2.2
        field(out, "Arrival-Date", DsnText.date(original.arrival(), zone));        // 2.2.5
        for (RecipientReport r : reports) {
            out.writeBytes(new byte[] {'\r', '\n'});
            recipient(out, r);
        }
        return out.toByteArray();
    }

    /** RFC 3464 section 2.3: per-recipient fields, in the order of its grammar. */
    private void recipient(ByteArrayOutputStream out, RecipientReport r) {
        String orcpt = r.recipient().orcpt();
        if (orcpt != null) {
            field(out, "Original-Recipient", originalRecipient(orcpt));             // 2.3.1
        }
        field(out, "Final-Recipient", finalRecipient(r.recipient().mailbox()));   // 2.3.2
        field(out, "Action", r.action().keyword());                              // 2.3.3
        field(out, "Status", r.status());                                        // 2.3.4
        if (r.remoteMta() != null) {
            field(out, "Remote-MTA", "dns; " + text(r.remoteMta()));              // 2.3.5
        }
        if (r.reply() != null) {
            field(out, "Diagnostic-Code", "smtp; " + text(fullReply(r.reply()))); // 2.3.6
        } else if (r.detail() != null) {
            // 2.3.6 allows other diagnostic types; an "X-" name marks a local one (as Postfix's X-Postfix).
            field(out, "Diagnostic-Code", "X-Mailroom; " + text(r.detail()));
        }
        field(out, "Last-Attempt-Date", DsnText.date(r.lastAttempt(), zone));      // 2.3.7
        if (r.willRetryUntil() != null) {
            field(out, "Will-Retry-Until", DsnText.date(r.willRetryUntil(), zone)); // 2.3.9
        }
    }

    /**
     * RFC 3464 section 2.3.1: the ORCPT value, {@code addr-type ";" xtext}, with the xtext decoded and the
     * address type as the client wrote it. A decoded address that is not ASCII cannot go into an ASCII
     * delivery-status part as it is; it is then written as RFC 6533's utf-8 type with utf-8-addr-xtext.
     */
    private String originalRecipient(String orcpt) {
        String decoded = decodeXtext(orcpt);
        int semi = decoded.indexOf(';');
        if (global || DsnText.isAscii(decoded) || semi < 0) {
            return text(decoded);
        }
        return "utf-8;" + DsnText.utf8AddrXtext(decoded.substring(semi + 1));
    }

    /**
     * RFC 3464 section 2.3.2, with RFC 6533 section 3 for internationalised addresses: an ASCII address is
     * type rfc822; a UTF-8 address is type utf-8, written raw in the global report and as utf-8-addr-xtext
     * in an ASCII one.
     */
    private String finalRecipient(Mailbox mailbox) {
        String address = mailbox.address();
        if (mailbox.isAscii()) {
            return "rfc822; " + text(address);
        }
        return "utf-8; " + (global ? text(address) : DsnText.utf8AddrXtext(address));
    }

    /** The whole reply, every line with its code as it came over the wire, joined into one field. */
    static String fullReply(SmtpReply reply) {
        return reply.wire().strip().replace("\r\n", " ");
    }

    private String text(String s) {
        return DsnText.text(s, global);
    }

    /** ORCPT and ENVID were checked when received; should one still not decode, it is reported as received. */
    private static String decodeXtext(String xtext) {
        try {
            return Xtext.decode(xtext);
        } catch (AddressException e) {
            return xtext;
        }
    }

    private static void field(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes(HeaderField.of(name, value).raw());
    }
}
