package dev.mailroom.quota;

import java.time.Instant;

/**
 * A limit would be exceeded. It is temporary by nature: {@link #freeAt} is when the sliding window will have made
 * room (or, when other transactions of the account hold the room, the next minute, by which they may have ended).
 */
public final class QuotaExceededException extends Exception {
    private final QuotaKind kind;
    private final long limit;
    private final Instant freeAt;

    public QuotaExceededException(QuotaKind kind, long limit, Instant freeAt) {
        super(limit + " " + kind.text() + " reached; possible again from " + freeAt, null, false, false);
        this.kind = kind;
        this.limit = limit;
        this.freeAt = freeAt;
    }

    public QuotaKind kind() {
        return kind;
    }

    public long limit() {
        return limit;
    }

    public Instant freeAt() {
        return freeAt;
    }
}
