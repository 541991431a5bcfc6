package dev.mailroom.transfer;

import dev.mailroom.address.Mailbox;
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
import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The MTA's rules (RFC 5321) for a transfer listener, port 25: anyone may send, without AUTH, but only to
 * the domains this site serves; relaying anywhere else needs AUTH or a client address in
 * {@code transfer.relay_networks} (RFC 5321 section 3.6.2 and 7.9; RFC 2505 recommendation 1: never an
 * open relay).
 *
 * <p>At RCPT, in this order:
 * <ol>
 *   <li>a local domain: postmaster and abuse always exist (RFC 5321 section 4.5.1, RFC 2142); an address
 *       carrying sender-specified routing ({@code %}, {@code !}, quoted {@code @}) or naming no user or
 *       alias gets 550 5.1.1;</li>
 *   <li>an authorised client (AUTH, relay network): any domain;</li>
 *   <li>a relay domain: accepted unless the address carries sender-specified routing (554 5.7.1);</li>
 *   <li>anything else: 554 5.7.1 relaying denied.</li>
 * </ol>
 *
 * The classic open-relay probes and why each fails:
 * <ul>
 *   <li>{@code user%other@local}, {@code other!user@local}: {@link LocalPart#routes}; 550 5.1.1.</li>
 *   <li>{@code user@other@local}: not an RFC 5321 Mailbox at all (one {@code @}); the engine's parser
 *       answers 501 5.1.3 and this policy never sees it. Old sendmails took the last {@code @} as the
 *       domain and relayed the rest.</li>
 *   <li>{@code @local:user@other}: a source route. RFC 5321 section 3.6.1 and appendix C: the route is
 *       stripped (the parser does it) and the mailbox is what counts, so the real destination is
 *       {@code other}: 554 5.7.1 like any other foreign domain.</li>
 *   <li>{@code "user@other"@local}: the quoted local part is not a user of ours; a server that strips the
 *       quotes and parses again would relay it. 550 5.1.1, never relayed.</li>
 * </ul>
 */
public final class TransferPolicy implements MailPolicy {
    private final TransferSettings settings;
    private final LocalRecipients recipients;
    private final ClientNames clientNames;
    private final Spool spool;

    public TransferPolicy(TransferSettings settings, LocalRecipients recipients, ClientNames clientNames, Spool spool) {
        this.settings = settings;
        this.recipients = recipients;
        this.clientNames = clientNames;
        this.spool = spool;
    }

    /** Port 25 takes mail from anyone: the decision is per recipient, at RCPT. */
    @Override
    public void gate(SessionInfo session, Command command) {
    }

    /**
     * Any syntactically valid reverse-path, the null path {@code <>} included (RFC 5321 section 4.5.5 and
     * RFC 2505 recommendation 6a: bounces must get through). The engine lets unqualified paths through for
     * the submission role to complete; RFC 5321 section 4.1.2 has no such thing.
     */
    @Override
    public Mailbox mail(SessionInfo session, Mailbox reversePath, MailParameters parameters) throws SmtpException {
        if (reversePath != null && reversePath.domain() == null) {
            throw new SmtpException(501, "5.1.7", "Bad sender address syntax: address must be fully qualified");
        }
        return reversePath;
    }

    @Override
    public List<Recipient> rcpt(SessionInfo session, Mailbox reversePath, Recipient recipient) throws SmtpException {
        Mailbox to = recipient.mailbox();
        if (to.domain() == null) {
            if (LocalPart.canonical(to.localPart()).equalsIgnoreCase("postmaster")) {
                // RFC 5321 section 4.1.1.3 and 4.5.1: <Postmaster> alone MUST be accepted; it is ours.
                return List.of(recipient.withMailbox(new Mailbox(to.localPart(), settings.defaultDomain())));
            }
            throw new SmtpException(501, "5.1.3", "Bad recipient address syntax: address must be fully qualified");
        }
        String domain = TransferSettings.domainKey(to.domain());
        if (settings.localDomains().contains(domain)) {
            checkLocal(to);
            return List.of(recipient);
        }
        if (mayRelay(session)) {
            return List.of(recipient);
        }
        if (settings.relayDomains().contains(domain) && !LocalPart.routes(to.localPart())) {
            // We are this domain's MX or gateway; its own servers know its users. Sender-specified routing
            // is refused even here: the next hop might honour it (Postfix's allow_untrusted_routing = no).
            return List.of(recipient);
        }
        // RFC 5321 section 3.6.2 and 7.9, RFC 2505: relay only for those we serve.
        throw new SmtpException(554, "5.7.1", "Relaying denied for <" + to.address() + ">");
    }

    private void checkLocal(Mailbox to) throws SmtpException {
        String local = LocalPart.canonical(to.localPart());
        if (LocalPart.isRoleMailbox(local)) {
            return;
        }
        if (LocalPart.routes(local) || !exists(new Mailbox(local, to.domain()))) {
            throw new SmtpException(550, "5.1.1", "No such user <" + to.address() + ">"); // RFC 3463 X.1.1
        }
    }

    private boolean exists(Mailbox mailbox) throws SmtpException {
        try {
            return recipients.exists(mailbox);
        } catch (IOException e) {
            // Never a permanent 550 for an outage: a 4yz reply makes the sending MTA retry (RFC 5321 4.2.1).
            throw new SmtpException(451, "4.3.0", "Temporary failure looking up the recipient; try again later");
        }
    }

    private boolean mayRelay(SessionInfo session) {
        return session.authenticatedUser() != null || settings.relayClient().test(session.client().getAddress());
    }

    @Override
    public MessageReceiver receive(SessionInfo session, Envelope envelope) throws SmtpException {
        Optional<String> clientName = clientNames.verifiedName(session.client().getAddress());
        ZonedDateTime arrival = ZonedDateTime.now();
        // TLS-Required: No in the header section tags the envelope (RFC 8689 section 5): the receiver may create
        // the spool file again, tagged, once it has seen the header.
        SpoolOpener opener = SpoolOpener.of(spool, envelope, session.authenticatedUser());
        try {
            return new TransferReceiver(opener,
                    queueId -> ReceivedField.of(session, clientName, envelope, settings.hostname(), queueId, arrival),
                    settings.maxReceivedHeaders());
        } catch (IOException e) {
            throw StorageFailure.of(e);
        }
    }
}
