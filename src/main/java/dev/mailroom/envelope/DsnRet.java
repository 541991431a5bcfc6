package dev.mailroom.envelope;

/** The RET= parameter of MAIL (RFC 3461 section 4.3). */
public enum DsnRet {
    FULL, HDRS
}
