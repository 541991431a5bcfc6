package dev.mailroom.submission;

import dev.mailroom.address.Mailbox;
import dev.mailroom.directory.SenderRight;

/** Which addresses a user may send as (RFC 6409 section 6.1). */
public interface SenderRights {

    SenderRight rightFor(String user, Mailbox address);
}
