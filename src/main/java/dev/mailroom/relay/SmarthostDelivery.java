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

    /**
     * One worker's connection to the smarthost, kept open between messages as Postfix's connection cache
     * does: a busy queue then costs one SMTP transaction per message, not a TCP connection, a TLS handshake
     * and an AUTH each. Not thread-safe: one per worker.
     */
    final class Connection implements AutoCloseable {
        private SmtpClient client;
        private long lastUsed;

        /** Closes the connection if it has been idle longer than the limit (before the server drops it). */
        void closeIfIdle(long idleNanos) {
            if (client != null && System.nanoTime() - lastUsed > idleNanos) {
                close();
            }
        }

        @Override
        public void close() {
            if (client != null) {
                client.quit();
                client = null;
            }
        }
    }

    Connection newConnection() {
        return new Connection();
    }

    DeliveryOutcome deliver(Connection connection, StoredMessage message, List<Integer> pending) {
        Map<Integer, SmtpReply> replies = new HashMap<>();
        Envelope full = message.envelope();
        List<Recipient> recipients = new ArrayList<>();
        for (int i : pending) {
            recipients.add(full.recipients().get(i));
        }
        Envelope envelope = new Envelope(full.reversePath(), full.parameters(), recipients);
        boolean reused = connection.client != null;
        try {
            if (!reused) {
                connection.client = open();
            }
            TransactionResult result = connection.client.send(envelope, source(message));
            connection.lastUsed = System.nanoTime();
            settle(result, pending, replies);
            return new DeliveryOutcome(replies, null);
        } catch (SmtpClientException | IOException | UncheckedIOException e) {
            if (connection.client != null) {
                connection.client.close();
                connection.client = null;
            }
            if (reused && replies.isEmpty()) {
                // The cached connection had gone stale (the smarthost timed it out): once more, fresh.
                return deliver(connection, message, pending);
            }
            return new DeliveryOutcome(replies, e instanceof SmtpClientException
                    ? e.getMessage() : "smarthost " + settings.host() + ":" + settings.port() + ": " + e);
        } catch (RequiredTlsMissing e) {
            return new DeliveryOutcome(replies, e.getMessage());
        }
    }

    /** Connects, says EHLO, upgrades to TLS by policy and authenticates when configured. */
    private SmtpClient open() throws IOException, SmtpClientException, RequiredTlsMissing {
        SmtpClient client = SmtpClient.connect(new InetSocketAddress(settings.host(), settings.port()),
                SmtpClient.ClientSettings.defaults(settings.heloName()));
        try {
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
                throw new RequiredTlsMissing();
            }
            if (settings.username().isPresent()) {
                client.authPlain(settings.username().get(), settings.password().orElse(""), false);
            }
            return client;
        } catch (IOException | SmtpClientException | RequiredTlsMissing | RuntimeException e) {
            client.quit();
            throw e;
        }
    }

    /** The smarthost offers no STARTTLS while the policy requires TLS: defer, never send in clear. */
    private static final class RequiredTlsMissing extends Exception {
        RequiredTlsMissing() {
            super("smarthost does not offer STARTTLS and TLS is required", null, false, false);
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
