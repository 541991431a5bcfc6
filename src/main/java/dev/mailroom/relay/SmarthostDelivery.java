package dev.mailroom.relay;

import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.Capabilities;
import dev.mailroom.smtp.client.MessageSource;
import dev.mailroom.smtp.client.SmtpClient;
import dev.mailroom.smtp.client.SmtpClientException;
import dev.mailroom.smtp.client.TransactionResult;
import dev.mailroom.tls.ClientTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * Hands one queued message to the smarthost: one SMTP transaction for all its pending recipients
 * (RFC 5321 section 4.5.4.1), STARTTLS by policy, AUTH PLAIN when configured.
 */
final class SmarthostDelivery {
    private final RelaySettings settings;
    private final SSLSocketFactory tlsFactory;

    SmarthostDelivery(RelaySettings settings) {
        this.settings = settings;
        this.tlsFactory = settings.verifyCertificate() ? ClientTls.verifying(settings.trustedCa()) : ClientTls.insecure();
    }

    DeliveryOutcome deliver(StoredMessage message, List<Integer> pending) {
        Envelope full = message.envelope();
        List<Recipient> recipients = new ArrayList<>();
        for (int i : pending) {
            recipients.add(full.recipients().get(i));
        }
        Envelope envelope = new Envelope(full.reversePath(), full.parameters(), recipients);
        Map<Integer, SmtpReply> replies = new HashMap<>();
        try (SmtpClient client = SmtpClient.connect(new InetSocketAddress(settings.host(), settings.port()),
                SmtpClient.ClientSettings.defaults(settings.heloName()))) {
            Capabilities caps = client.ehlo();
            if (settings.tls() != RelaySettings.TlsPolicy.NONE && caps.has("STARTTLS")) {
                client.startTls(socket -> {
                    try {
                        return ClientTls.wrapClient(tlsFactory, socket, settings.host(), settings.port(),
                                settings.verifyCertificate());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                client.ehlo();
            } else if (settings.tls() == RelaySettings.TlsPolicy.REQUIRED) {
                return new DeliveryOutcome(replies, "smarthost does not offer STARTTLS and TLS is required");
            }
            if (settings.username().isPresent()) {
                client.authPlain(settings.username().get(), settings.password().orElse(""), false);
            }
            TransactionResult result = client.send(envelope, source(message));
            settle(result, pending, replies);
            client.quit();
            return new DeliveryOutcome(replies, null);
        } catch (SmtpClientException e) {
            return new DeliveryOutcome(replies, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            return new DeliveryOutcome(replies, "smarthost " + settings.host() + ":" + settings.port() + ": " + e);
        }
    }

    /** Maps the transaction's replies onto recipient indexes: RCPT refusals, then the reply to the data. */
    private static void settle(TransactionResult r, List<Integer> pending, Map<Integer, SmtpReply> replies) {
        if (!r.mailReply().isPositive()) {
            for (int i : pending) {
                replies.put(i, r.mailReply());
            }
            return;
        }
        for (int k = 0; k < pending.size(); k++) {
            SmtpReply rcpt = r.recipientReplies().get(k);
            if (!rcpt.isPositive()) {
                replies.put(pending.get(k), rcpt);
            } else if (r.dataReply() != null) {
                replies.put(pending.get(k), r.dataReply());
            }
        }
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
