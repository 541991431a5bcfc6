package dev.mailroom.directory;

/** What an authenticated user may do with an address in MAIL FROM or From: (RFC 6409 sections 6.1, 8.1). */
public enum SenderRight {
    /** The user's own address: allowed in MAIL FROM and From: without a Sender: header. */
    OWN,
    /** Allowed in From: only, with a Sender: naming the user added ("send on behalf", MSA-23). */
    ON_BEHALF,
    /** Not allowed (MSA-16: 550 5.7.1). */
    NONE
}
