package dev.mailroom.submission;

import dev.mailroom.address.Mailbox;
import dev.mailroom.directory.SenderRight;
import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.smtp.SmtpException;

/** Which addresses a user may send as (RFC 6409 section 6.1). */
public interface SenderRights {

    /** @throws CredentialStoreUnavailableException the users file cannot be read just now */
    SenderRight rightFor(String user, Mailbox address) throws CredentialStoreUnavailableException;

    /** The right, or a temporary refusal when it cannot be looked up: never a permanent 550 for an outage. */
    default SenderRight check(String user, Mailbox address) throws SmtpException {
        try {
            return rightFor(user, address);
        } catch (CredentialStoreUnavailableException e) {
            throw new SmtpException(451, "4.3.0", "Temporary failure looking up sender permissions");
        }
    }
}
