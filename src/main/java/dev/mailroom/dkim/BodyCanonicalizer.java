package dev.mailroom.dkim;

/**
 * A streaming body canonicalization (RFC 6376 sections 3.4.3 and 3.4.4): bytes go in as they arrive, the
 * canonical bytes come out, and nothing but a count of empty lines is held back, because only the end of the
 * body tells whether they were trailing (and so dropped). A body that ends without CRLF (BDAT allows it) is
 * treated as if its last line had one, so it hashes the same whether the next hop gets it by BDAT or by DATA
 * (which must add the CRLF).
 *
 * <p>CR is a line break only before LF; alone it is an ordinary byte (the session refuses bare CR and LF in
 * text, DATA-04, so only BINARYMIME content can hold one).
 */
abstract sealed class BodyCanonicalizer {
    private static final byte[] CRLF = {'\r', '\n'};

    /** Receives the canonical bytes. */
    interface Out {
        void write(byte b);

        void write(byte[] b);
    }

    private boolean sawCr;
    /** No content on the current line yet (relaxed: no content other than white space). */
    protected boolean atLineStart = true;
    /** Empty lines seen and not yet written: they are dropped if nothing but empty lines follows. */
    private long pendingEmptyLines;
    /** Whether anything has been written. */
    protected boolean wroteAny;

    final void write(byte b, Out out) {
        if (sawCr) {
            sawCr = false;
            if (b == '\n') {
                endLine(out);
                return;
            }
            content((byte) '\r', out); // a CR not followed by LF is content
        }
        if (b == '\r') {
            sawCr = true;
            return;
        }
        content(b, out);
    }

    /** The end of the body: returns nothing more to write after this. */
    final void finish(Out out) {
        if (sawCr) {
            sawCr = false;
            content((byte) '\r', out);
        }
        if (!atLineStart) {
            endLine(out); // the last line had no CRLF
        }
        emptyBody(out);
    }

    /** One byte of line content (never the CR of a CRLF). */
    protected abstract void content(byte b, Out out);

    /** What an empty body (or a body of empty lines only) canonicalizes to. */
    protected abstract void emptyBody(Out out);

    /** A CRLF: the end of a line, written now if the line has content, else counted as a possibly trailing one. */
    protected void endLine(Out out) {
        if (atLineStart) {
            pendingEmptyLines++;
        } else {
            out.write(CRLF);
            atLineStart = true;
        }
    }

    /** Called before the first content byte of a line: the empty lines before it were not trailing. */
    protected final void startContent(Out out) {
        if (atLineStart) {
            for (; pendingEmptyLines > 0; pendingEmptyLines--) {
                out.write(CRLF);
            }
            atLineStart = false;
            wroteAny = true;
        }
    }

    /** Section 3.4.3: every byte kept; trailing empty lines dropped; an empty body is one CRLF. */
    static final class Simple extends BodyCanonicalizer {
        @Override
        protected void content(byte b, Out out) {
            startContent(out);
            out.write(b);
        }

        @Override
        protected void emptyBody(Out out) {
            if (!wroteAny) {
                out.write(CRLF);
            }
        }
    }

    /**
     * Section 3.4.4: white space at the end of a line dropped, other runs of it reduced to one SP; trailing empty
     * lines (a line of white space only is empty then) dropped; an empty body stays empty.
     */
    static final class Relaxed extends BodyCanonicalizer {
        private boolean pendingSpace;

        @Override
        protected void content(byte b, Out out) {
            if (Canonicalization.isWsp(b)) {
                pendingSpace = true;
                return;
            }
            startContent(out);
            if (pendingSpace) {
                out.write((byte) ' ');
                pendingSpace = false;
            }
            out.write(b);
        }

        @Override
        protected void endLine(Out out) {
            pendingSpace = false; // white space at the end of a line is ignored
            super.endLine(out);
        }

        @Override
        protected void emptyBody(Out out) {
            // RFC 6376 section 3.4.4: the relaxed canonical form of an empty body is empty (DKIM-08).
        }
    }
}
