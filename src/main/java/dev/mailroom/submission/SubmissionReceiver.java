package dev.mailroom.submission;

import dev.mailroom.dkim.DkimException;
import dev.mailroom.dkim.DkimSigner;
import dev.mailroom.dkim.MessageSigning;
import dev.mailroom.log.EventLog;
import dev.mailroom.message.TlsRequiredField;
import dev.mailroom.queue.SpoolOpener;
import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.smtp.MessageReceiver;
import dev.mailroom.smtp.SmtpException;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.StorageFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;
import java.util.function.Function;

/**
 * Takes a submitted message in one pass: the header section is held in memory (bounded) until the empty
 * line that ends it, then checked and completed by {@link SubmissionFixups}, written to the spool, and
 * the body streams straight after it. A 50 MB body never sits in the heap. The spool file is created at once, so
 * that a storage failure is reported before 354; when the header section says {@code TLS-Required: No}, that
 * still empty file is swapped for one whose envelope carries the tag (RFC 8689 section 5).
 *
 * <p>A rejection found in the header is remembered and given after the final dot (RFC 5321 has no way to
 * refuse in the middle of DATA); the rest of the content is then dropped.
 *
 * <p>When the author's domain has DKIM keys, the body also streams through the signer's body hash, and at the
 * final dot the DKIM-Signature fields go on top of the stored message (RFC 6409 section 8.5 and RFC 6376
 * section 5.3: after every fix-up, DKIM-01). A message that cannot be signed is refused with 451 4.3.0 rather
 * than sent unsigned: the client keeps it and tries again, while an unsigned message from a domain that
 * publishes DMARC p=reject would be refused or hidden by its recipients, with nobody told.
 */
final class SubmissionReceiver implements MessageReceiver {
    private final SpoolOpener opener;
    private final Function<String, SubmissionFixups> fixupsFor;
    private SpoolWriter writer;
    private final DkimSigner signer;
    private final int maxHeaderSection;
    private final ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
    private final OutputStream content = new Splitter();
    private boolean inBody;
    private int endMatch; // how much of CRLF CRLF has been seen at the end of the buffered header
    private SmtpException rejection;
    private IOException storageError; // the first failed write into the spool: never commit after one
    private Optional<MessageSigning> signing = Optional.empty();
    private OutputStream bodyHash = OutputStream.nullOutputStream(); // the signing's body hash, if any
    private DkimException signingError;

    /**
     * @param fixupsFor the fix-ups for the queue id of the spool file
     * @throws IOException the spool file cannot be created
     */
    SubmissionReceiver(SpoolOpener opener, Function<String, SubmissionFixups> fixupsFor, DkimSigner signer,
                       int maxHeaderSection) throws IOException {
        this.opener = opener;
        this.fixupsFor = fixupsFor;
        this.signer = signer;
        this.writer = opener.open(false);
        this.maxHeaderSection = maxHeaderSection;
    }

    @Override
    public OutputStream content() {
        return content;
    }

    /** Routes bytes to the header buffer until its end, then to the spool. */
    private final class Splitter extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (rejection != null) {
                return;
            }
            if (storageError != null) {
                throw storageError;
            }
            try {
                split(b, off, len);
            } catch (IOException e) {
                // RFC 5321 section 4.2.5: a message that was not stored completely must not be committed.
                storageError = e;
                throw e;
            }
        }

        private void split(byte[] b, int off, int len) throws IOException {
            if (inBody) {
                writer.content().write(b, off, len);
                bodyHash.write(b, off, len);
                return;
            }
            int i = off;
            // An empty first line means a message without header fields.
            if (header.size() == 0 && endMatch == 0 && len >= 2 && b[off] == '\r' && b[off + 1] == '\n') {
                endMatch = 4;
                i = off + 2;
                startBody(new byte[0], true, b, i, off + len);
                return;
            }
            for (; i < off + len; i++) {
                byte c = b[i];
                endMatch = switch (endMatch) {
                    case 0, 2 -> c == '\r' ? endMatch + 1 : 0;
                    case 1, 3 -> c == '\n' ? endMatch + 1 : (c == '\r' ? 1 : 0);
                    default -> 0;
                };
                if (endMatch == 4) {
                    header.write(b, off, i + 1 - off);
                    byte[] raw = header.toByteArray();
                    // hand over the header section without its terminating empty line
                    byte[] section = java.util.Arrays.copyOf(raw, raw.length - 2);
                    startBody(section, true, b, i + 1, off + len);
                    return;
                }
            }
            header.write(b, off, len);
            if (header.size() > maxHeaderSection) {
                rejection = new SmtpException(554, "5.6.0", "Header section exceeds " + maxHeaderSection + " octets");
            }
        }
    }

    /** @param separator write the empty line that ends the header section (only if the client sent one) */
    private void startBody(byte[] headerSection, boolean separator, byte[] rest, int from, int to) throws IOException {
        inBody = true;
        header.reset();
        if (TlsRequiredField.saysNo(headerSection, headerSection.length)) {
            writer.abort();
            writer = opener.open(true);
        }
        try {
            byte[] fixed = fixupsFor.apply(writer.id()).apply(headerSection);
            startSigning(fixed);
            OutputStream out = writer.content();
            out.write(fixed);
            if (separator) {
                out.write('\r');
                out.write('\n');
            }
            out.write(rest, from, to - from);
            bodyHash.write(rest, from, to - from);
        } catch (SmtpException e) {
            rejection = e;
        }
    }

    /** Only submitted mail is signed, and only once the header section is complete. */
    private void startSigning(byte[] completedHeader) {
        try {
            signing = signer.forMessage(completedHeader);
            signing.ifPresent(s -> bodyHash = s.body());
        } catch (DkimException e) {
            signingError = e;
        }
    }

    /** Puts the DKIM-Signature fields on top of the stored message; 451 4.3.0 if it cannot be signed. */
    private void sign() throws SmtpException, IOException {
        try {
            if (signingError != null) {
                throw signingError;
            }
            if (signing.isPresent()) {
                writer.prependHeader(signing.get().sign());
            }
        } catch (DkimException e) {
            EventLog.warn("dkim-error", "domain", signing.map(MessageSigning::domain).orElse(null),
                    "reason", e.getMessage());
            throw new SmtpException(451, "4.3.0", "Message could not be signed; try again later");
        }
    }

    @Override
    public SmtpReply finish(long size, int longestLine) throws SmtpException {
        try {
            if (rejection == null && !inBody) {
                // The content ended inside the header section: a message with no body.
                byte[] raw = header.toByteArray();
                if (raw.length > 0 && raw[raw.length - 1] != '\n') {
                    // BDAT content may end without CRLF; a header line must end with one (RFC 5322 2.2).
                    raw = java.util.Arrays.copyOf(raw, raw.length + 2);
                    raw[raw.length - 2] = '\r';
                    raw[raw.length - 1] = '\n';
                }
                // A message may be a header section alone (RFC 5322 section 3.5: the body is optional); add
                // only the fields, not an empty line the client never sent.
                try {
                    startBody(raw, false, new byte[0], 0, 0);
                } catch (IOException e) {
                    storageError = e;
                }
            }
            if (storageError != null) {
                throw storageError;
            }
            if (rejection == null && longestLine > 998) {
                // RFC 5322 section 2.1.1 (SMTP-26): the MSA refuses lines over 998 characters.
                rejection = new SmtpException(554, "5.6.0", "Line longer than 998 characters");
            }
            if (rejection != null) {
                throw rejection;
            }
            sign();
            writer.commit();
        } catch (IOException e) {
            abort();
            throw StorageFailure.of(e);
        } catch (SmtpException | RuntimeException e) {
            abort();
            throw e;
        }
        signing.ifPresent(s -> EventLog.info("dkim-signed", "domain", s.domain(),
                "selectors", String.join(",", s.selectors())));
        return SmtpReply.of(250, "2.0.0", "OK queued as " + writer.id());
    }

    @Override
    public void abort() {
        writer.abort();
    }
}
