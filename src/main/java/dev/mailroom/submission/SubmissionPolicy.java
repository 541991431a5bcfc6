package dev.mailroom.submission;

import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import dev.mailroom.address.Xtext;
import dev.mailroom.directory.SenderRight;
import dev.mailroom.dkim.DkimSigner;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.SpoolOpener;
import dev.mailroom.smtp.MailPolicy;
import dev.mailroom.smtp.MessageReceiver;
import dev.mailroom.smtp.SessionInfo;
import dev.mailroom.smtp.SmtpException;
import dev.mailroom.smtp.StorageFailure;
import java.util.ArrayList;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The MSA's rules (RFC 6409) for one submission listener: authentication is required (4.3), envelope
 * addresses are fully qualified (4.2), users send only as themselves (6.1), messages are checked and
 * completed (6.3, 8) by {@link SubmissionFixups} before they reach the spool, and signed with the author
 * domain's DKIM keys, if it has any (8.5).
 */
public final class SubmissionPolicy implements MailPolicy {
    private final SubmissionSettings settings;
    private final SenderRights rights;
    private final Spool spool;
    private final Qualification qualification;
    private final DkimSigner signer;

    public SubmissionPolicy(SubmissionSettings settings, SenderRights rights, Spool spool, DkimSigner signer) {
        this.settings = settings;
        this.rights = rights;
        this.spool = spool;
        this.qualification = new Qualification(settings);
        this.signer = signer;
    }

    /** RFC 6409 section 4.3 (MSA-10): every transaction command needs an authenticated session. */
    @Override
    public void gate(SessionInfo session, Command command) throws SmtpException {
        if (session.authenticatedUser() != null || trusted(session)) {
            return;
        }
        boolean postmasterPath = settings.postmasterWithoutAuth()
                && (command == Command.MAIL || command == Command.RCPT || command == Command.DATA || command == Command.BDAT);
        if (!postmasterPath) {
            throw new SmtpException(530, "5.7.0", "Authentication required");
        }
    }

    @Override
    public Mailbox mail(SessionInfo session, Mailbox reversePath, MailParameters parameters) throws SmtpException {
        if (reversePath == null) {
            return null; // RFC 6409 section 3.2 (MSA-04): the null sender is not by itself a reason to refuse
        }
        Mailbox from = qualification.qualify(reversePath);
        if (from == null) {
            // RFC 6409 section 4.2: 554 for an improper domain reference.
            throw new SmtpException(554, "5.1.8", "Sender address <" + reversePath + "> must be fully qualified");
        }
        String user = session.authenticatedUser();
        if (user == null) {
            return from; // a trusted client, or postmasterWithoutAuth (RCPT is then limited to postmaster)
        }
        if (rights.check(user, from) != SenderRight.OWN) {
            // RFC 6409 section 6.1 (MSA-16).
            throw new SmtpException(550, "5.7.1", "Sender address <" + from + "> not permitted for user " + user);
        }
        return from;
    }

    @Override
    public List<Recipient> rcpt(SessionInfo session, Mailbox reversePath, Recipient recipient) throws SmtpException {
        Mailbox to = qualification.qualify(recipient.mailbox());
        if (to == null) {
            throw new SmtpException(554, "5.1.2", "Recipient address <" + recipient.mailbox() + "> must be fully qualified");
        }
        if (session.authenticatedUser() == null && !trusted(session) && !isLocalPostmaster(to)) {
            // RFC 6409 section 6.4 (MSA-19): without AUTH only postmaster of our own domains, never relaying.
            throw new SmtpException(530, "5.7.0", "Authentication required");
        }
        Recipient qualified = recipient.withMailbox(to);
        List<String> targets = settings.aliases().get(to.key().toLowerCase(Locale.ROOT));
        if (targets == null) {
            return List.of(qualified);
        }
        // RFC 6409 section 8.7: resolve configured aliases; keep the original in ORCPT for DSNs (RFC 3461 4.2).
        String orcpt = recipient.orcpt() != null ? recipient.orcpt() : "rfc822;" + Xtext.encode(to.address());
        List<Recipient> expanded = new ArrayList<>();
        for (String target : targets) {
            expanded.add(new Recipient(parseTarget(target), recipient.notifyParam(), orcpt));
        }
        return expanded;
    }

    private boolean trusted(SessionInfo session) {
        return settings.trustedClient().test(session.client().getAddress());
    }

    private boolean isLocalPostmaster(Mailbox m) {
        return m.localPart().equalsIgnoreCase("postmaster") && m.domainKey() != null
                && settings.localDomains().contains(m.domainKey());
    }

    private static Mailbox parseTarget(String target) throws SmtpException {
        try {
            return PathParser.parse("<" + target + ">", 0, new PathParser.Options(false, false, true)).mailbox();
        } catch (dev.mailroom.address.AddressException e) {
            throw new SmtpException(451, "4.3.0", "Alias configuration error"); // checked at start-up; defensive
        }
    }

    @Override
    public MessageReceiver receive(SessionInfo session, Envelope envelope) throws SmtpException {
        // TLS-Required: No in the header section tags the envelope (RFC 8689 section 5): the receiver may create
        // the spool file again, tagged, once it has seen the header; the fix-ups take the final queue id.
        SpoolOpener opener = SpoolOpener.of(spool, envelope, session.authenticatedUser());
        try {
            return new SubmissionReceiver(opener,
                    queueId -> new SubmissionFixups(settings, rights, qualification, session, envelope, queueId),
                    signer, settings.maxHeaderSection());
        } catch (IOException e) {
            throw StorageFailure.of(e);
        }
    }
}
