package dev.mailroom.queue;

import dev.mailroom.envelope.Envelope;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Consumer;

/** A spool that tells the scheduler about each message the moment it is durable. */
public final class NotifyingSpool implements Spool {
    private final Spool inner;
    private final Consumer<String> committed;

    public NotifyingSpool(Spool inner, Consumer<String> committed) {
        this.inner = inner;
        this.committed = committed;
    }

    @Override
    public SpoolWriter create(Envelope envelope, String authenticatedUser) throws IOException {
        SpoolWriter w = inner.create(envelope, authenticatedUser);
        return new SpoolWriter() {
            @Override
            public String id() {
                return w.id();
            }

            @Override
            public OutputStream content() {
                return w.content();
            }

            @Override
            public void prependHeader(byte[] fields) throws IOException {
                w.prependHeader(fields);
            }

            @Override
            public void commit() throws IOException {
                w.commit();
                committed.accept(w.id());
            }

            @Override
            public void abort() {
                w.abort();
            }
        };
    }

    @Override
    public List<String> list() throws IOException {
        return inner.list();
    }

    @Override
    public List<Due> due(java.time.Instant horizon, int limit, java.util.function.Predicate<String> skip)
            throws IOException {
        return inner.due(horizon, limit, skip);
    }

    @Override
    public Backlog backlog(java.util.function.Predicate<String> skip) throws IOException {
        return inner.backlog(skip);
    }

    @Override
    public void makeDue(String id, java.time.Instant when) throws IOException {
        inner.makeDue(id, when);
    }

    @Override
    public StoredMessage read(String id) throws IOException {
        return inner.read(id);
    }

    @Override
    public void saveState(String id, DeliveryState state) throws IOException {
        inner.saveState(id, state);
    }

    @Override
    public void remove(String id) throws IOException {
        inner.remove(id);
    }
}
