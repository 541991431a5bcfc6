package dev.mailroom.submission;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.HeaderAddressParser;
import dev.mailroom.address.HeaderAddressParser.HeaderAddress;
import dev.mailroom.address.Mailbox;
import dev.mailroom.directory.SenderRight;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.message.HeaderField;
import dev.mailroom.message.HeaderSection;
import dev.mailroom.message.MessageFormatException;
import dev.mailroom.smtp.SessionInfo;
import dev.mailroom.smtp.SmtpException;
import java.security.SecureRandom;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The checks and fix-ups of one submitted header section, in a fixed order, the same on every
 * submission listener (RFC 6409 sections 6.3 and 8). Only header fields change; the body is never touched.
 *
 * <ol>
 *   <li>parse, and refuse what is not a header section (6.3, 554 5.6.0)</li>
 *   <li>From present, no duplicate singletons (RFC 5322 3.6, HDR-01/02)</li>
 *   <li>complete unqualified addresses in From/Sender/Reply-To/To/Cc/Bcc (8.8, 4.2)</li>
 *   <li>From must be the user's, or on-behalf with Sender: added (6.1, 8.1)</li>
 *   <li>add Date (8.2) and Message-ID (8.3) when missing</li>
 *   <li>prepend Received (RFC 5321 4.4, RFC 3848)</li>
 * </ol>
 */
final class SubmissionFixups {
    private static final List<String> ADDRESS_FIELDS = List.of("From", "Sender", "Reply-To", "To", "Cc", "Bcc");
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ENGLISH);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SubmissionSettings settings;
    private final SenderRights rights;
    private final Qualification qualification;
    private final SessionInfo session;
    private final Envelope envelope;
    private final String queueId;

    SubmissionFixups(SubmissionSettings settings, SenderRights rights, Qualification qualification,
                     SessionInfo session, Envelope envelope, String queueId) {
        this.settings = settings;
        this.rights = rights;
        this.qualification = qualification;
        this.session = session;
        this.envelope = envelope;
        this.queueId = queueId;
    }

    /** Returns the completed header section (CRLF-terminated fields, without the empty line). */
    byte[] apply(byte[] rawHeader) throws SmtpException {
        HeaderSection header;
        try {
            header = HeaderSection.parse(rawHeader);
        } catch (MessageFormatException e) {
            throw new SmtpException(554, "5.6.0", "Malformed header: " + e.reason());
        }
        if (header.count("From") == 0) {
            throw new SmtpException(554, "5.6.0", "Message has no From: header field"); // RFC 5322 3.6
        }
        Optional<String> duplicate = header.firstDuplicateSingleton();
        if (duplicate.isPresent()) {
            throw new SmtpException(554, "5.6.0", "Duplicate " + duplicate.get() + ": header field"); // HDR-02
        }
        boolean utf8 = envelope.parameters().smtputf8();
        for (String name : ADDRESS_FIELDS) {
            for (HeaderField field : header.all(name)) {
                qualifyAddresses(header, field, utf8);
            }
        }
        checkFrom(header, utf8);
        if (header.count("Date") == 0) {
            header.append(HeaderField.of("Date", RFC5322_DATE.format(ZonedDateTime.now())));
        }
        if (header.count("Message-ID") == 0) {
            header.append(HeaderField.of("Message-ID", "<" + queueId + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                    + "@" + settings.hostname() + ">"));
        }
        header.prepend(HeaderField.of("Received", received()));
        return header.toBytes();
    }

    /** RFC 6409 section 8.8 and 4.2: complete or refuse addresses without a proper domain. */
    private void qualifyAddresses(HeaderSection header, HeaderField field, boolean utf8) throws SmtpException {
        List<HeaderAddress> addresses = parse(field, utf8);
        boolean changed = false;
        for (HeaderAddress a : addresses) {
            Mailbox q = qualification.qualify(a.mailbox());
            if (q == null) {
                throw new SmtpException(554, "5.6.0", field.name() + ": address <" + a.mailbox()
                        + "> must be fully qualified"); // MSA-09
            }
            changed |= !q.equals(a.mailbox());
        }
        if (changed) {
            HeaderField completed = completeInPlace(field, addresses);
            if (completed == null) {
                String rewritten = HeaderAddressParser.rewrite(field.value(), addresses, qualification::qualify);
                completed = HeaderField.of(field.name(), rewritten);
            }
            header.replace(field, completed);
        }
    }

    /**
     * Completes the unqualified addresses of a field by inserting {@code @domain} right after each addr-spec
     * in the field's raw bytes, so that folding, comments, spacing and any 8-bit text stay exactly as the
     * client wrote them (RFC 6409 section 8.8 allows completing the address, nothing more; RFC 5322
     * section 3.6 and HDR-10: other bytes are not reformatted). Returns null if that is not possible
     * (an address whose existing domain would change, or a line that would exceed 998 octets); the caller
     * then rebuilds the field.
     */
    private HeaderField completeInPlace(HeaderField field, List<HeaderAddress> addresses) {
        byte[] raw = field.raw();
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') {
            colon++;
        }
        int end = raw.length >= 2 && raw[raw.length - 2] == '\r' && raw[raw.length - 1] == '\n' ? raw.length - 2 : raw.length;
        int i = colon + 1;
        while (i < end && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        // The unfolded value exactly as HeaderField.value() builds it, with each byte's position in raw.
        byte[] buf = new byte[Math.max(0, end - i)];
        int[] position = new int[buf.length];
        int n = 0;
        for (; i < end; i++) {
            if (raw[i] == '\r' && i + 1 < end && raw[i + 1] == '\n') {
                i++;
                continue;
            }
            position[n] = i;
            buf[n++] = raw[i];
        }
        String value = field.value();
        boolean utf8 = new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).equals(value);
        int[] byteOf = new int[value.length() + 1];
        int b = 0;
        for (int c = 0; c < value.length(); c++) {
            byteOf[c] = b;
            char ch = value.charAt(c);
            b += !utf8 || ch < 0x80 ? 1 : ch < 0x800 || Character.isSurrogate(ch) ? 2 : 3;
        }
        byteOf[value.length()] = b;
        if (b != n) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length + 32);
        int copied = 0;
        List<HeaderAddress> sorted = addresses.stream().sorted(java.util.Comparator.comparingInt(HeaderAddress::start)).toList();
        for (HeaderAddress a : sorted) {
            Mailbox q = qualification.qualify(a.mailbox());
            if (q == null || q.equals(a.mailbox())) {
                continue;
            }
            if (a.mailbox().domain() != null || !q.localPart().equals(a.mailbox().localPart()) || a.end() <= a.start()) {
                return null;
            }
            int insertAt = position[byteOf[a.end()] - 1] + 1; // just after the addr-spec's last byte
            if (insertAt < copied) {
                return null;
            }
            out.write(raw, copied, insertAt - copied);
            out.writeBytes(("@" + q.domain()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            copied = insertAt;
        }
        out.write(raw, copied, raw.length - copied);
        byte[] result = out.toByteArray();
        int lineStart = 0;
        for (int k = 0; k < result.length; k++) {
            if (result[k] == '\n') {
                if (k - 1 - lineStart > HeaderField.HARD_LINE_LIMIT) {
                    return null;
                }
                lineStart = k + 1;
            }
        }
        return new HeaderField(field.name(), result);
    }

    /** RFC 6409 section 6.1 and 8.1; RFC 5322 section 3.6.2 for more than one author. */
    private void checkFrom(HeaderSection header, boolean utf8) throws SmtpException {
        String user = session.authenticatedUser();
        if (user == null) {
            return; // postmaster without AUTH (6.4): nothing to check the From against
        }
        HeaderField from = header.first("From").orElseThrow();
        List<HeaderAddress> authors = parse(from, utf8);
        if (authors.isEmpty()) {
            throw new SmtpException(554, "5.6.0", "From: has no address");
        }
        boolean needSender = authors.size() > 1;
        for (HeaderAddress a : authors) {
            Mailbox author = qualification.qualify(a.mailbox());
            switch (rights.check(user, author)) {
                case OWN -> {
                }
                case ON_BEHALF -> needSender = true;
                case NONE -> throw new SmtpException(550, "5.7.1", "From: address <" + author + "> not permitted for user " + user);
            }
        }
        Mailbox own = ownAddress(user);
        Optional<HeaderField> sender = header.first("Sender");
        if (!needSender) {
            // RFC 6409 section 8.1: Sender: names the transmitter, and that is the authenticated user. A
            // Sender: the client wrote naming someone else is replaced, as on the on-behalf path below.
            if (sender.isPresent() && !namesUser(sender.get(), user, utf8)) {
                header.replace(sender.get(), HeaderField.of("Sender", own.address()));
            }
            return;
        }
        if (sender.isPresent()) {
            if (namesUser(sender.get(), user, utf8)) {
                return; // the user named themself already
            }
            header.replace(sender.get(), HeaderField.of("Sender", own.address()));
        } else {
            header.append(HeaderField.of("Sender", own.address()));
        }
    }

    /** True if the field holds exactly one mailbox and it is one of the user's own addresses. */
    private boolean namesUser(HeaderField field, String user, boolean utf8) throws SmtpException {
        List<HeaderAddress> given = parse(field, utf8);
        return given.size() == 1 && rights.check(user, qualification.qualify(given.getFirst().mailbox())) == SenderRight.OWN;
    }

    private Mailbox ownAddress(String user) {
        int at = user.lastIndexOf('@');
        return at < 0 ? new Mailbox(user, settings.defaultDomain()) : new Mailbox(user.substring(0, at), user.substring(at + 1));
    }

    private static List<HeaderAddress> parse(HeaderField field, boolean utf8) throws SmtpException {
        try {
            return field.name().equalsIgnoreCase("From") || field.name().equalsIgnoreCase("Sender")
                    ? HeaderAddressParser.parseMailboxList(field.value(), true)
                    : HeaderAddressParser.parseAddressList(field.value(), true);
        } catch (AddressException e) {
            // RFC 6409 section 5.1 (MSA-13): illegal address syntax in a header field.
            throw new SmtpException(554, "5.6.0", field.name() + ": " + e.reason());
        }
    }

    /**
     * RFC 5321 section 4.4 with the RFC 3848 protocol names (ESMTPSA: ESMTP, TLS, AUTH; UTF8SMTPSA for
     * SMTPUTF8, RFC 6531 3.7.3). The client's IP is left out unless configured: the submitter's address
     * says where a person is, and receivers do not need it.
     */
    private String received() {
        StringBuilder sb = new StringBuilder();
        sb.append("from ").append(session.heloName());
        if (settings.receivedClientIp()) {
            sb.append(" ([").append(session.client().getAddress().getHostAddress()).append("])");
        }
        sb.append(" by ").append(settings.hostname()).append(" (Mailroom)");
        sb.append(" with ").append(protocol());
        if (session.tls()) {
            sb.append(" (").append(session.tlsDescription()).append(")");
        }
        if (settings.receivedUser() && session.authenticatedUser() != null) {
            sb.append(" (authenticated as ").append(session.authenticatedUser().replaceAll("[()\\\\\\s]", "_")).append(")");
        }
        sb.append(" id ").append(queueId);
        if (envelope.recipients().size() == 1) {
            sb.append(" for <").append(envelope.recipients().getFirst().mailbox().address()).append(">");
        }
        sb.append("; ").append(RFC5322_DATE.format(ZonedDateTime.now()));
        return sb.toString();
    }

    private String protocol() {
        String base = envelope.parameters().smtputf8() ? "UTF8SMTP" : (session.esmtp() ? "ESMTP" : "SMTP");
        if (session.tls()) {
            base += "S";
        }
        if (session.authenticatedUser() != null) {
            base += "A";
        }
        return base;
    }
}
