package dev.mailroom.sasl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** PLAIN, RFC 4616: one message {@code [authzid] NUL authcid NUL passwd}. */
final class PlainMechanism implements SaslMechanism {
    private String attempted;

    @Override
    public String attemptedUser() {
        return attempted;
    }


    private final CredentialStore store;
    private boolean challenged;
    private boolean done;

    PlainMechanism(CredentialStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "PLAIN";
    }

    @Override
    public SaslStep step(byte[] response) throws CredentialStoreUnavailableException {
        if (done) {
            return new SaslStep.Failure("PLAIN: exchange already finished");
        }
        if (response == null) {
            if (challenged) {
                return finish("PLAIN: no response to the empty challenge");
            }
            // RFC 4616 section 2 / RFC 4954 section 4: PLAIN is client-first; without an initial response
            // the server sends an empty challenge and the message comes back in the next line.
            challenged = true;
            return new SaslStep.Challenge(new byte[0]);
        }
        done = true;
        return check(response);
    }

    private SaslStep check(byte[] message) throws CredentialStoreUnavailableException {
        List<byte[]> raw = splitOnNul(message);
        // RFC 4616 section 2: exactly two NUL separators; an extra NUL is "NUL inside a field" (SASL-04).
        if (raw.size() != 3) {
            return new SaslStep.Failure("PLAIN: expected 3 fields, got " + raw.size());
        }
        List<String> fields = new ArrayList<>(3);
        for (byte[] field : raw) {
            // RFC 4616 section 2: each field is at most 255 octets of UTF-8.
            if (field.length > SaslText.MAX_FIELD_OCTETS) {
                return new SaslStep.Failure("PLAIN: field longer than 255 octets");
            }
            Optional<String> text = SaslText.utf8(field);
            if (text.isEmpty()) {
                return new SaslStep.Failure("PLAIN: field is not valid UTF-8");
            }
            if (SaslText.hasLineBreakOrNul(text.get())) {
                return new SaslStep.Failure("PLAIN: CR or LF inside a field"); // SASL-04
            }
            fields.add(text.get());
        }
        String authzid = fields.get(0);
        String authcid = fields.get(1);
        attempted = authcid;
        String password = fields.get(2);
        // RFC 4616 section 2: authcid and passwd are non-empty (SASL-01).
        if (authcid.isEmpty() || password.isEmpty()) {
            return new SaslStep.Failure("PLAIN: empty authcid or password");
        }
        // RFC 4616 section 2 + SASL-02: we configure no delegation, so an authzid other than the authcid
        // is refused; the login name is always the authcid (nodemailer/smtp-server #261).
        if (!authzid.isEmpty() && !authzid.equals(authcid)) {
            return new SaslStep.Failure("PLAIN: authcid '" + authcid + "' may not act as authzid '" + authzid + "'");
        }
        if (store.verifyPassword(authcid, password)) {
            return new SaslStep.Success(authcid);
        }
        return new SaslStep.Failure("PLAIN: invalid credentials for '" + authcid + "'");
    }

    private SaslStep finish(String reason) {
        done = true;
        return new SaslStep.Failure(reason);
    }

    private static List<byte[]> splitOnNul(byte[] message) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= message.length; i++) {
            if (i == message.length || message[i] == 0) {
                parts.add(java.util.Arrays.copyOfRange(message, start, i));
                start = i + 1;
            }
        }
        return parts;
    }
}
