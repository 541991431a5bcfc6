package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import java.io.IOException;

/** Whether a local user (a mailbox that takes delivery) exists; backed by the users file. */
@FunctionalInterface
public interface LocalUsers {

    /**
     * @param address canonical: local-part unquoted where possible and lower case, domain lower-case A-labels
     * @throws IOException when the user directory cannot be read (the recipient then gets a temporary failure)
     */
    boolean exists(Mailbox address) throws IOException;
}
