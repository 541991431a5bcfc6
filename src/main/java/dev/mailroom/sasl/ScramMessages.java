package dev.mailroom.sasl;

import java.util.Base64;
import java.util.Optional;

/**
 * Parsers for the two SCRAM client messages (RFC 5802 section 7 grammar). Each returns either the parsed
 * message or a reason for the log; reasons never contain client text, so they are safe to log as is.
 */
final class ScramMessages {

    private ScramMessages() {
    }

    /** Either a value or a reason why there is none. */
    record Parsed<T>(T value, String error) {
        static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, null);
        }

        static <T> Parsed<T> fail(String error) {
            return new Parsed<>(null, error);
        }
    }

    /** client-first-message: the gs2 header verbatim (needed for c=), the bare part, the user and nonce. */
    record ClientFirst(String gs2Header, String bare, String username, String clientNonce) {
    }

    /** client-final-message: the part the AuthMessage covers, and the decoded proof. */
    record ClientFinal(String withoutProof, byte[] proof) {
    }

    static Parsed<ClientFirst> clientFirst(String message) {
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","   (RFC 5802 section 7)
        int firstComma = message.indexOf(',');
        int secondComma = firstComma < 0 ? -1 : message.indexOf(',', firstComma + 1);
        if (secondComma < 0) {
            return Parsed.fail("SCRAM: no gs2 header");
        }
        String flag = message.substring(0, firstComma);
        // RFC 5802 section 6: "n" = client does not support binding, "y" = client supports it but thinks the
        // server does not. "y" is only a downgrade sign when we advertise -PLUS (SASL-07), which we do not.
        // "p=" asks for channel binding, which this (non -PLUS) mechanism cannot provide: fail.
        if (!flag.equals("n") && !flag.equals("y")) {
            return Parsed.fail("SCRAM: channel binding requested or bad gs2-cbind-flag");
        }
        String authzidField = message.substring(firstComma + 1, secondComma);
        String bare = message.substring(secondComma + 1);
        // RFC 5802 section 5.1: "m" is reserved for a future mandatory extension; servers MUST fail on it.
        if (bare.startsWith("m=")) {
            return Parsed.fail("SCRAM: mandatory extension m= not supported");
        }
        String[] attrs = bare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
            return Parsed.fail("SCRAM: client-first-message-bare must start with n= and r=");
        }
        Optional<String> username = decodeSaslName(attrs[0].substring(2));
        if (username.isEmpty() || username.get().isEmpty()) {
            return Parsed.fail("SCRAM: bad username encoding");
        }
        String nonce = attrs[1].substring(2);
        if (!isPrintableNonce(nonce)) {
            return Parsed.fail("SCRAM: bad client nonce");
        }
        if (!authzidField.isEmpty()) {
            if (!authzidField.startsWith("a=")) {
                return Parsed.fail("SCRAM: bad authzid field");
            }
            // RFC 5802 section 5.1 "a": same rule as PLAIN (SASL-02); no delegation is configured.
            Optional<String> authzid = decodeSaslName(authzidField.substring(2));
            if (authzid.isEmpty() || !authzid.get().equals(username.get())) {
                return Parsed.fail("SCRAM: authzid differs from username");
            }
        }
        String gs2Header = message.substring(0, secondComma + 1);
        return Parsed.ok(new ClientFirst(gs2Header, bare, username.get(), nonce));
    }

    static Parsed<ClientFinal> clientFinal(String message, String gs2Header, String expectedNonce) {
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0) {
            return Parsed.fail("SCRAM: no proof");
        }
        String withoutProof = message.substring(0, proofAt);
        String[] attrs = withoutProof.split(",", -1);
        // client-final-message-without-proof = channel-binding "," nonce ["," extensions] (section 7)
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
            return Parsed.fail("SCRAM: client-final must start with c= and r=");
        }
        // RFC 5802 section 5.1 "c": without channel binding, c= is the base64 of the gs2 header; checking
        // it is what detects a tampered gs2 flag (SASL-06 "always validate c=").
        String expectedBinding = Base64.getEncoder().encodeToString(SaslText.ascii(gs2Header));
        if (!attrs[0].substring(2).equals(expectedBinding)) {
            return Parsed.fail("SCRAM: channel binding data does not match the gs2 header");
        }
        // RFC 5802 section 5.1 "r": the server MUST verify the nonce is the one it sent (client + server part).
        if (!attrs[1].substring(2).equals(expectedNonce)) {
            return Parsed.fail("SCRAM: nonce mismatch");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            return Parsed.fail("SCRAM: proof is not base64");
        }
        if (proof.length != ScramCrypto.KEY_LENGTH) {
            return Parsed.fail("SCRAM: proof has the wrong length");
        }
        return Parsed.ok(new ClientFinal(withoutProof, proof));
    }

    /**
     * saslname (RFC 5802 section 5.1): "," and "=" appear only as "=2C" and "=3D"; any other "=" sequence
     * MUST make the server fail. Also rejects CR, LF and NUL (SASL-04) so the name is safe to log.
     */
    static Optional<String> decodeSaslName(String encoded) {
        StringBuilder out = new StringBuilder(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '=') {
                if (encoded.startsWith("=2C", i)) {
                    out.append(',');
                } else if (encoded.startsWith("=3D", i)) {
                    out.append('=');
                } else {
                    return Optional.empty();
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        String name = out.toString();
        return SaslText.hasLineBreakOrNul(name) ? Optional.empty() : Optional.of(name);
    }

    /** printable = %x21-2B / %x2D-7E (RFC 5802 section 7): visible ASCII except ",". */
    static boolean isPrintableNonce(String nonce) {
        if (nonce.isEmpty()) {
            return false;
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }
}
