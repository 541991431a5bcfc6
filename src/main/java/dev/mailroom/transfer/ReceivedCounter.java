package dev.mailroom.transfer;

/**
 * Counts the Received fields of a message's header section as its bytes stream past, without keeping them:
 * the loop check of RFC 5321 section 6.3. A field counts when a line of the header section starts with
 * {@code Received}, in any case, then optional white space (RFC 5322 section 4.5, obsolete syntax) and a
 * colon. Continuation lines, the body (after the first empty line) and anything nested in it do not count.
 */
final class ReceivedCounter {
    private static final byte[] NAME = {'r', 'e', 'c', 'e', 'i', 'v', 'e', 'd'};

    private enum State { LINE_START, EMPTY_LINE_CR, NAME, BEFORE_COLON, REST_OF_LINE, BODY }

    private State state = State.LINE_START;
    private int matched;
    private int count;

    /** Feeds the next bytes of the content. */
    void update(byte[] b, int off, int len) {
        for (int i = off; i < off + len && state != State.BODY; i++) {
            step(b[i]);
        }
    }

    private void step(byte c) {
        switch (state) {
            case LINE_START -> {
                if (c == '\r') {
                    state = State.EMPTY_LINE_CR;
                } else if (c == '\n') {
                    state = State.BODY; // a bare LF line (BINARYMIME): the header section still ends here
                } else {
                    matched = 0;
                    state = State.NAME;
                    step(c);
                }
            }
            case EMPTY_LINE_CR -> state = c == '\n' ? State.BODY : State.REST_OF_LINE;
            case NAME -> {
                if (matched < NAME.length && (c | 0x20) == NAME[matched]) {
                    matched++;
                } else if (matched == NAME.length && (c == ' ' || c == '\t')) {
                    state = State.BEFORE_COLON;
                } else if (matched == NAME.length && c == ':') {
                    count++;
                    state = State.REST_OF_LINE;
                } else {
                    state = c == '\n' ? State.LINE_START : State.REST_OF_LINE;
                }
            }
            case BEFORE_COLON -> {
                if (c == ':') {
                    count++;
                    state = State.REST_OF_LINE;
                } else if (c != ' ' && c != '\t') {
                    state = c == '\n' ? State.LINE_START : State.REST_OF_LINE;
                }
            }
            case REST_OF_LINE -> {
                if (c == '\n') {
                    state = State.LINE_START;
                }
            }
            case BODY -> {
            }
        }
    }

    int count() {
        return count;
    }

    /** The empty line that ends the header section has gone past. */
    boolean inBody() {
        return state == State.BODY;
    }
}
