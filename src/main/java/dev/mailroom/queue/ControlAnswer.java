package dev.mailroom.queue;

/**
 * What became of a {@link ControlRequest}: one line, {@code ok TEXT}, {@code no-such-message ID} or
 * {@code error TEXT}, written by the server into {@code spool/control/NAME.answer}.
 */
public record ControlAnswer(Status status, String text) {

    public enum Status {
        OK("ok"), NO_SUCH_MESSAGE("no-such-message"), ERROR("error");

        private final String word;

        Status(String word) {
            this.word = word;
        }
    }

    public ControlAnswer {
        if (status == null || text == null) {
            throw new IllegalArgumentException("status and text are required");
        }
        text = text.replaceAll("[\\r\\n]+", " "); // one line, whatever an exception message held
    }

    public static ControlAnswer ok(String text) {
        return new ControlAnswer(Status.OK, text);
    }

    public static ControlAnswer noSuchMessage(String id) {
        return new ControlAnswer(Status.NO_SUCH_MESSAGE, id);
    }

    public static ControlAnswer error(String text) {
        return new ControlAnswer(Status.ERROR, text);
    }

    public String encode() {
        return status.word + " " + text + "\n";
    }

    /** @throws IllegalArgumentException when the text is not an answer */
    public static ControlAnswer parse(String encoded) {
        String line = encoded.strip();
        int sp = line.indexOf(' ');
        String word = sp < 0 ? line : line.substring(0, sp);
        String text = sp < 0 ? "" : line.substring(sp + 1);
        for (Status s : Status.values()) {
            if (s.word.equals(word)) {
                return new ControlAnswer(s, text);
            }
        }
        throw new IllegalArgumentException("not an answer: " + line);
    }
}
