package dev.mailroom.dkim;

import dev.mailroom.message.HeaderSection;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

/**
 * The signatures of one message in progress: the header section is known, the body streams through
 * {@link #body()}, and {@link #sign()} then gives the DKIM-Signature fields to put on top of the message
 * (RFC 6376 section 5.6: the field is prepended), one per key of the domain.
 */
public final class MessageSigning {
    private final String domain;
    private final List<SigningKey> keys;
    private final HeaderSection header;
    private final DkimSettings settings;
    private final Clock clock;
    private final BodyHasher body;

    MessageSigning(String domain, List<SigningKey> keys, HeaderSection header, DkimSettings settings, Clock clock) {
        this.domain = domain;
        this.keys = keys;
        this.header = header;
        this.settings = settings;
        this.clock = clock;
        this.body = new BodyHasher(settings.canonicalization().body());
    }

    /** The d= domain. */
    public String domain() {
        return domain;
    }

    /** The selectors that sign, in the order of their fields. */
    public List<String> selectors() {
        return keys.stream().map(SigningKey::selector).toList();
    }

    /** Takes the body, exactly as stored, everything after the empty line that ends the header section. */
    public OutputStream body() {
        return body;
    }

    /**
     * Ends the body and signs.
     *
     * @return the DKIM-Signature fields, each CRLF-terminated, to be placed before the message
     * @throws DkimException if a key cannot be read any more or the signature cannot be made
     */
    public byte[] sign() throws DkimException {
        String bodyHash = Base64.getEncoder().encodeToString(body.digest());
        long now = clock.instant().getEpochSecond();
        ByteArrayOutputStream fields = new ByteArrayOutputStream(1024 * keys.size());
        for (SigningKey key : keys) {
            try {
                fields.writeBytes(signatureField(key, bodyHash, now));
            } catch (KeyFileException | GeneralSecurityException e) {
                throw new DkimException("cannot sign with " + key + ": " + e.getMessage(), e);
            }
        }
        return fields.toByteArray();
    }

    private byte[] signatureField(SigningKey key, String bodyHash, long now)
            throws KeyFileException, GeneralSecurityException {
        Canonicalization.Pair c = settings.canonicalization();
        List<String> h = SignedHeaders.select(header, settings.headers());
        // RFC 6376 section 3.5 (DKIM-11): v, a, b, bh, d, h, s required; t always; x only when configured, later
        // than t; never l= (DKIM-10) nor i= (the default, @d, is right for a domain signature).
        FoldedField field = new FoldedField("DKIM-Signature")
                .startTag("v=1;")
                .startTag("a=" + key.algorithm().tag() + ";")
                .startTag("c=" + c.tagValue() + ";")
                .startTag("d=" + domain + ";")
                .startTag("s=" + key.selector() + ";")
                .startTag("t=" + now + ";");
        if (!settings.expiry().isZero()) {
            field.startTag("x=" + (now + settings.expiry().toSeconds()) + ";");
        }
        field.startTag("h=" + h.getFirst());
        for (String name : h.subList(1, h.size())) {
            field.continueTag(":" + name);
        }
        field.continueTag(";").startTag("bh=").base64(bodyHash).continueTag(";").startTag("b=");
        String unsigned = field.text();
        byte[] signature = key.algorithm().sign(key.privateKey(), headerData(header, h, c.header(), unsigned));
        field.base64(Base64.getEncoder().encodeToString(signature));
        return (field.text() + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The data to sign (RFC 6376 section 3.7): the signed header fields, then the DKIM-Signature field itself with an
     * empty b= value, canonicalized, without its final CRLF.
     *
     * @param signatureField the DKIM-Signature field text ending in "b=", without CRLF
     */
    static byte[] headerData(HeaderSection header, List<String> h, Canonicalization canonicalization,
                             String signatureField) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(2048);
        data.writeBytes(SignedHeaders.data(header, h, canonicalization));
        byte[] own = canonicalization.header((signatureField + "\r\n").getBytes(StandardCharsets.UTF_8));
        data.write(own, 0, own.length - 2);
        return data.toByteArray();
    }
}
