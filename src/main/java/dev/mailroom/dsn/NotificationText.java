package dev.mailroom.dsn;

import java.time.ZoneId;
import java.util.List;

/**
 * The human-readable first part of a DSN (RFC 6522, RFC 3464 section 2): what happened, to whom,
 * what the remote server said, and what is attached. Plain lines ending in CRLF.
 */
final class NotificationText {

    private final String reportingMta;
    private final ZoneId zone;

    NotificationText(String reportingMta, ZoneId zone) {
        this.reportingMta = reportingMta;
        this.zone = zone;
    }

    String render(NotificationKind kind, List<RecipientReport> reports, ReturnedContent returned) {
        StringBuilder sb = new StringBuilder(1024);
        line(sb, "This is the mail system at " + reportingMta + ".");
        line(sb, "");
        switch (kind) {
            case FAILURE -> {
                line(sb, "Your message could not be delivered to one or more recipients.");
                line(sb, "The reasons are below.");
            }
            case DELAY -> {
                line(sb, "Your message has not been delivered yet to the recipients below.");
                line(sb, "The mail system keeps trying; you do not need to send it again.");
            }
            case SUCCESS -> line(sb, "Your message was delivered as listed below, as you asked.");
        }
        line(sb, "");
        for (RecipientReport r : reports) {
            line(sb, "<" + r.recipient().mailbox().address() + ">: " + outcome(r));
            if (r.reply() != null) {
                String host = r.remoteMta() != null ? r.remoteMta() : "the remote server";
                line(sb, "    " + host + " said: " + DeliveryStatusReport.fullReply(r.reply()));
            } else if (r.detail() != null) {
                line(sb, "    " + r.detail());
            }
            line(sb, "");
        }
        line(sb, returned.description());
        return sb.toString();
    }

    private String outcome(RecipientReport r) {
        return switch (r.action()) {
            case FAILED -> "delivery failed (status " + r.status() + ")";
            case DELAYED -> "delayed (status " + r.status() + "); retrying until "
                    + DsnText.date(r.willRetryUntil(), zone);
            case DELIVERED -> "delivered";
            case RELAYED -> "relayed to a system that sends no further delivery reports";
            case EXPANDED -> "delivered to a list or alias, expanded into its members";
        };
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append("\r\n");
    }
}
