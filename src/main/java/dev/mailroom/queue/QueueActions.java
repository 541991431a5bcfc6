package dev.mailroom.queue;

import java.io.IOException;

/**
 * The operator's actions on queued messages (Postfix's postqueue -f/-i and postsuper -h/-H/-d), performed either
 * by the running server's scheduler, serialised with its deliveries, or, while no server runs, directly on the
 * spool files ({@link OfflineQueue}). Each per-message action answers false when there is no such message.
 */
public record QueueActions(MessageAction flush, QueueAction flushAll, MessageAction hold, MessageAction release,
                           MessageAction delete, MessageAction bounce) {

    @FunctionalInterface
    public interface MessageAction {
        /** @return false when the message is not in the queue */
        boolean apply(String id) throws IOException;
    }

    @FunctionalInterface
    public interface QueueAction {
        /** @return how many messages it concerned */
        int apply() throws IOException;
    }

    /** Carries out one request; failures become an error answer, never an exception. */
    public ControlAnswer perform(ControlRequest request) {
        String id = request.id();
        try {
            if (id == null) {
                return ControlAnswer.ok("flushed " + flushAll.apply() + " message(s)");
            }
            MessageAction action = switch (request.operation()) {
                case FLUSH -> flush;
                case HOLD -> hold;
                case RELEASE -> release;
                case DELETE -> delete;
                case BOUNCE -> bounce;
            };
            if (!action.apply(id)) {
                return ControlAnswer.noSuchMessage(id);
            }
            return ControlAnswer.ok(switch (request.operation()) {
                case FLUSH -> "flushed " + id;
                case HOLD -> "held " + id;
                case RELEASE -> "released " + id;
                case DELETE -> "deleted " + id;
                case BOUNCE -> "bounced " + id;
            });
        } catch (IOException | RuntimeException e) {
            return ControlAnswer.error(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
