package dev.mailroom.dkim;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.HeaderAddressParser;
import dev.mailroom.message.HeaderField;
import dev.mailroom.message.HeaderSection;
import dev.mailroom.message.MessageFormatException;
import java.net.IDN;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Signs submitted messages with the keys of their author's domain (RFC 6376; RFC 6409 section 8.5 lets the MSA
 * sign). Chooses the keys from the From: address of the completed header section; a domain without keys gets no
 * signature. Thread-safe: one signer serves every session.
 */
public final class DkimSigner {
    private final Map<String, List<SigningKey>> keysByDomain;
    private final DkimSettings settings;
    private final Clock clock;

    private DkimSigner(Map<String, List<SigningKey>> keysByDomain, DkimSettings settings, Clock clock) {
        this.keysByDomain = keysByDomain;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Reads every configured key.
     *
     * @throws KeyFileException for the first key that cannot be used
     */
    public static DkimSigner start(DkimSettings settings, Clock clock) throws KeyFileException {
        Map<String, List<SigningKey>> byDomain = new LinkedHashMap<>();
        for (DkimSettings.Key k : settings.keys()) {
            byDomain.computeIfAbsent(k.domain(), d -> new ArrayList<>()).add(SigningKey.load(k));
        }
        byDomain.replaceAll((d, keys) -> List.copyOf(keys));
        return new DkimSigner(Map.copyOf(byDomain), settings, clock);
    }

    /** A signer without keys: signs nothing (no [dkim] configured). */
    public static DkimSigner none() {
        return new DkimSigner(Map.of(), DkimSettings.NONE, Clock.systemUTC());
    }

    /**
     * Starts the signatures of one message, if its author's domain has keys.
     *
     * @param headerSection the completed header section (after every fix-up: RFC 6376 section 5.3, DKIM-01),
     *                      CRLF-terminated fields without the empty line
     * @return the signing in progress, to be fed the body; empty if the message is not to be signed
     */
    public Optional<MessageSigning> forMessage(byte[] headerSection) throws DkimException {
        if (keysByDomain.isEmpty()) {
            return Optional.empty();
        }
        HeaderSection header;
        try {
            header = HeaderSection.parse(headerSection);
        } catch (MessageFormatException e) {
            throw new DkimException("header section cannot be signed: " + e.reason(), e);
        }
        Optional<String> domain = authorDomain(header);
        List<SigningKey> keys = domain.map(keysByDomain::get).orElse(null);
        if (keys == null) {
            return Optional.empty();
        }
        return Optional.of(new MessageSigning(domain.get(), keys, header, settings, clock));
    }

    /**
     * The domain of the first author in From: (RFC 5322 section 3.6.2), lower case, as A-labels (RFC 6376 section
     * 3.5: d= is in A-label form), or empty if there is none that could have a key.
     */
    static Optional<String> authorDomain(HeaderSection header) {
        Optional<HeaderField> from = header.first("From");
        if (from.isEmpty()) {
            return Optional.empty();
        }
        try {
            List<HeaderAddressParser.HeaderAddress> authors = HeaderAddressParser.parseMailboxList(from.get().value(), true);
            if (authors.isEmpty() || authors.getFirst().mailbox().domain() == null) {
                return Optional.empty();
            }
            String domain = authors.getFirst().mailbox().domain();
            return Optional.of(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT));
        } catch (AddressException | IllegalArgumentException e) {
            return Optional.empty(); // an address literal or an unconvertible name: no key can match
        }
    }
}
