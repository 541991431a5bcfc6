package dev.mailroom.dns;

/** A host name has no usable address; {@link #failure()} says whether that is final and what to reply. */
public final class UnroutableException extends Exception {
    private final transient Route.Failure failure;

    public UnroutableException(Route.Failure failure) {
        super(failure.failureReply().toString());
        this.failure = failure;
    }

    public Route.Failure failure() {
        return failure;
    }
}
