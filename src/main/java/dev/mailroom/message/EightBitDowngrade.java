package dev.mailroom.message;

import dev.mailroom.smtp.SmtpReply;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Event;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * Converts a message with 8-bit content into 7-bit MIME for a next hop that does not offer 8BITMIME
 * (RFC 6152 section 3, as RFC 1652 section 3 before it: the client converts or bounces).
 *
 * <p>What it does:
 * <ul>
 *   <li>A message without any octet above 127 is copied unchanged, byte for byte: it is already 7-bit, whatever
 *       its labels say (RFC 2045 section 2.7). Only then is the MIME structure walked (mime4j's
 *       {@link MimeTokenStream}, recursing into message/rfc822).</li>
 *   <li>Every leaf part whose body holds 8-bit octets and whose Content-Transfer-Encoding is an identity
 *       (7bit, 8bit, binary, or absent) is re-encoded: quoted-printable for text (text/*, message/global*),
 *       base64 for everything else (RFC 2045 sections 6.7 and 6.8). Its Content-Transfer-Encoding field is
 *       replaced (or added at the end of its header; with MIME-Version: 1.0 when a message header lacked it,
 *       RFC 2045 section 4). A leaf whose octets are all 7-bit keeps every byte.</li>
 *   <li>multipart/* and message/rfc822 entities labelled 8bit or binary are relabelled 7bit: they may not be
 *       encoded themselves (RFC 2045 section 6.4, RFC 2046 section 5.2.1), and after conversion all they hold
 *       is 7-bit.</li>
 *   <li>Header fields are written byte for byte, except that replaced Content-Transfer-Encoding. Boundary
 *       delimiter lines are written anew as {@code --boundary}: transport padding after a boundary, which RFC
 *       2046 section 5.1.1 tells readers to ignore, is dropped. A preamble or epilogue holding 8-bit octets is
 *       dropped: it lies outside every part, MIME readers ignore it (RFC 2046 section 5.1.1), and it cannot be
 *       encoded.</li>
 * </ul>
 *
 * <p>When it refuses, with a {@link DowngradeException} carrying the reply for the bounce:
 * <ul>
 *   <li>8-bit octets in a header field. There is nothing RFC 6152 allows to convert them to; they are UTF-8
 *       headers of an SMTPUTF8 message (RFC 6532), which needs a hop with SMTPUTF8 anyway:
 *       {@code 550 5.6.9} (RFC 6531, "UTF-8 header message cannot be transferred"), or, when the octets are
 *       not even UTF-8, {@code 554 5.6.3} ("conversion required but not supported", RFC 3463 section 3.7).</li>
 *   <li>8-bit content under multipart/signed (S/MIME, PGP/MIME): re-encoding changes the signed octets and
 *       breaks the signature the recipient checks (RFC 1847 section 2.1; this is why the S/MIME and PGP/MIME
 *       specifications ask signers to use 7-bit encodings). Bouncing tells the sender why and keeps the signature meaningful; delivering a broken
 *       signature would look like tampering. {@code 554 5.6.2} ("conversion required and prohibited",
 *       RFC 3463 section 3.7). A DKIM signature over an 8-bit body breaks with any downgrade; that is the
 *       accepted cost of RFC 6152's conversion (RFC 6376 section 5.3 asks signers to sign 7-bit forms).</li>
 *   <li>8-bit octets inside a part labelled base64, quoted-printable or an unknown encoding, in a multipart
 *       without a single delimiter line (all its content is then "preamble"), or MIME structure mime4j cannot
 *       parse (a header line without a colon): re-encoding would encode twice or lose content.
 *       {@code 554 5.6.5} ("conversion failed").</li>
 * </ul>
 * After an exception the output holds a partial message and must be discarded.
 *
 * <p>Memory: a leaf body (and a preamble or epilogue) is buffered, to learn whether it holds 8-bit octets
 * before its header is written, in memory up to 64 KiB and beyond that in a temporary file, one part at a
 * time; a 50 MB attachment needs a temporary file of its size, not 50 MB of heap. The files are deleted as
 * soon as the part is written, and after an exception.
 */
public final class EightBitDowngrade {

    /** Opens the message from its first octet: canonical CRLF octets, not dot-stuffed. Called twice. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /** The message cannot be sent 7-bit: the caller bounces (or defers) it with this reply. */
    public static final class DowngradeException extends Exception {
        private final SmtpReply reply;

        DowngradeException(int code, String enhanced, String text) {
            super(code + " " + enhanced + " " + text, null, false, false);
            this.reply = SmtpReply.of(code, enhanced, text);
        }

        public SmtpReply reply() {
            return reply;
        }
    }

    static final int MEMORY_LIMIT = 64 * 1024;

    private final Path spillDirectory;

    /** Spills large parts into the JVM's temporary directory. */
    public EightBitDowngrade() {
        this(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** @param spillDirectory where parts larger than 64 KiB are buffered while they are converted */
    public EightBitDowngrade(Path spillDirectory) {
        this.spillDirectory = spillDirectory;
    }

    /** True if any octet is above 127: the only case in which {@link #downgrade} changes anything. */
    public static boolean hasEightBitOctets(InputStream in) throws IOException {
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (indexOfEightBit(buf, 0, n) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the message in 7-bit form to {@code out}.
     *
     * @return the number of parts re-encoded; 0 means the message was copied unchanged
     * @throws DowngradeException if the message cannot be made 7-bit (see the class comment); {@code out}
     *                            then holds a partial message
     */
    public int downgrade(Source message, OutputStream out) throws IOException, DowngradeException {
        try (InputStream in = message.open()) {
            if (!hasEightBitOctets(in)) {
                try (InputStream again = message.open()) {
                    again.transferTo(out);
                }
                return 0;
            }
        }
        try (InputStream in = new BufferedInputStream(message.open(), 16384)) {
            return new Walk(out).run(in);
        } catch (MimeException e) {
            throw new DowngradeException(554, "5.6.5", "Conversion to 7-bit failed: malformed MIME structure");
        }
    }

    /** One pass over the MIME token stream, writing as it goes. */
    private final class Walk {
        private final OutputStream out;
        private final MimeTokenStream tokens;
        private final Deque<Multipart> multiparts = new ArrayDeque<>();
        /** The header of the entity being read; written once we know what the entity is. */
        private Entity entity;
        private int reencoded;

        Walk(OutputStream out) {
            this.out = new BufferedOutputStream(out, 16384);
            MimeConfig config = MimeConfig.custom()
                    .setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1).setMaxContentLen(-1)
                    .setStrictParsing(false).build();
            this.tokens = new MimeTokenStream(config, new FailOnInvalidHeader(), null);
            tokens.setRecursionMode(RecursionMode.M_RECURSE);
        }

        int run(InputStream in) throws IOException, MimeException, DowngradeException {
            tokens.parse(in);
            try {
                walk();
            } finally {
                for (Multipart open : multiparts) {
                    open.close();   // temporary files of preambles, after an exception
                }
            }
            out.flush();
            return reencoded;
        }

        private void walk() throws IOException, MimeException, DowngradeException {
            for (EntityState state = tokens.getState(); state != EntityState.T_END_OF_STREAM; state = tokens.next()) {
                switch (state) {
                    case T_START_MESSAGE -> {
                        if (entity != null) {
                            // The header of the enclosing message/rfc822 part is complete: it holds a message.
                            entity.writeHeader(out, true, null);
                        }
                        entity = new Entity(true);
                    }
                    case T_START_BODYPART -> {
                        multiparts.getFirst().startPart(out);
                        entity = new Entity(false);
                    }
                    case T_FIELD -> entity.add(tokens.getField().getRaw().toByteArray());
                    case T_END_HEADER -> keepEncodedMessagesWhole();
                    case T_START_MULTIPART -> startMultipart(tokens.getBodyDescriptor());
                    case T_PREAMBLE -> multiparts.getFirst().preamble(buffer(tokens.getInputStream()));
                    case T_EPILOGUE -> {
                        try (PartBuffer epilogue = buffer(tokens.getInputStream())) {
                            multiparts.getFirst().epilogue(epilogue, out);
                        }
                    }
                    case T_END_MULTIPART -> {
                        try (Multipart done = multiparts.removeFirst()) {
                            done.end(out);
                        }
                    }
                    case T_BODY -> leaf(tokens.getBodyDescriptor(), tokens.getInputStream());
                    default -> {
                        // T_START_HEADER, T_END_BODYPART, T_END_MESSAGE: nothing to write.
                    }
                }
            }
        }

        private PartBuffer buffer(InputStream content) throws IOException {
            PartBuffer buffer = new PartBuffer();
            try {
                buffer.fill(content);
                return buffer;
            } catch (IOException | RuntimeException e) {
                buffer.close();
                throw e;
            }
        }

        /**
         * A message/rfc822 part labelled base64 or quoted-printable (RFC 2046 section 5.2.1 forbids it, yet it
         * occurs) would be decoded by mime4j to parse the message inside; it is already 7-bit, so it is kept
         * whole as a leaf instead.
         */
        private void keepEncodedMessagesWhole() {
            if (entity.declaredType().equals("message/rfc822") && entity.declaredEncodingIsEncoded()) {
                tokens.setRecursionMode(RecursionMode.M_NO_RECURSE);
            }
        }

        private void startMultipart(BodyDescriptor body) throws IOException {
            entity.writeHeader(out, true, null);
            boolean signed = body.getMimeType().equalsIgnoreCase("multipart/signed")
                    || !multiparts.isEmpty() && multiparts.getFirst().signed;
            multiparts.addFirst(new Multipart(body.getBoundary(), signed));
            entity = null;
        }

        private void leaf(BodyDescriptor body, InputStream content) throws IOException, DowngradeException {
            tokens.setRecursionMode(RecursionMode.M_RECURSE);   // undoes keepEncodedMessagesWhole for what follows
            try (PartBuffer buffer = buffer(content)) {
                if (!buffer.eightBit) {
                    entity.writeHeader(out, false, null);
                    buffer.copyTo(out);
                    entity = null;
                    return;
                }
                if (!multiparts.isEmpty() && multiparts.getFirst().signed) {
                    throw new DowngradeException(554, "5.6.2", "8-bit content inside multipart/signed:"
                            + " converting it for a 7-bit hop would break the signature");
                }
                String encoding = body.getTransferEncoding().toLowerCase(Locale.ROOT);
                if (!encoding.equals("7bit") && !encoding.equals("8bit") && !encoding.equals("binary")) {
                    throw new DowngradeException(554, "5.6.5",
                            "Conversion to 7-bit failed: 8-bit octets in a part encoded as " + encoding);
                }
                boolean text = isText(body.getMimeType());
                entity.writeHeader(out, false, text ? "quoted-printable" : "base64");
                try (InputStream in = buffer.open(); OutputStream encoder = text
                        ? new QuotedPrintableEncoder(out) : base64(out)) {
                    in.transferTo(encoder);
                }
                if (!text) {
                    out.write(CRLF);
                }
                reencoded++;
                entity = null;
            }
        }

        /** Text, for which quoted-printable keeps the content readable. */
        private static boolean isText(String mimeType) {
            String t = mimeType.toLowerCase(Locale.ROOT);
            return t.startsWith("text/") || t.startsWith("message/global");
        }
    }

    /** The header fields of one entity, raw, as mime4j found them. */
    private static final class Entity {
        private final boolean message;
        private final List<byte[]> fields = new ArrayList<>();

        Entity(boolean message) {
            this.message = message;
        }

        void add(byte[] rawWithoutCrlf) throws DowngradeException {
            if (indexOfEightBit(rawWithoutCrlf, 0, rawWithoutCrlf.length) >= 0) {
                // RFC 6152 offers no conversion for header fields.
                if (isUtf8(rawWithoutCrlf)) {
                    throw new DowngradeException(550, "5.6.9",
                            "UTF-8 header fields (SMTPUTF8) cannot be sent to a server without SMTPUTF8");
                }
                throw new DowngradeException(554, "5.6.3",
                        "8-bit octets in a header field cannot be converted to 7-bit");
            }
            byte[] field = Arrays.copyOf(rawWithoutCrlf, rawWithoutCrlf.length + 2);
            field[field.length - 2] = '\r';
            field[field.length - 1] = '\n';
            fields.add(field);
        }

        /**
         * Writes the header and the empty line.
         *
         * @param container   a multipart or message/rfc822 entity: an 8bit or binary label becomes 7bit
         * @param newEncoding the leaf's new Content-Transfer-Encoding, or null to keep the header as it is
         */
        void writeHeader(OutputStream out, boolean container, String newEncoding) throws IOException {
            String replacement = newEncoding;
            if (container) {
                String declared = declaredEncoding();
                replacement = declared.equals("8bit") || declared.equals("binary") ? "7bit" : null;
            }
            boolean replaced = false;
            boolean hasMimeVersion = false;
            for (byte[] field : fields) {
                String name = nameOf(field);
                hasMimeVersion |= name.equalsIgnoreCase("MIME-Version");
                if (replacement != null && name.equalsIgnoreCase("Content-Transfer-Encoding")) {
                    if (!replaced) {
                        out.write(encodingField(replacement));
                        replaced = true;
                    }
                    // A second Content-Transfer-Encoding field is dropped: one entity, one encoding.
                } else {
                    out.write(field);
                }
            }
            if (replacement != null && !replaced) {
                if (message && !hasMimeVersion) {
                    // RFC 2045 section 4: without MIME-Version the new field would mean nothing.
                    out.write("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write(encodingField(replacement));
            }
            out.write(CRLF);
        }

        /** The type/subtype of an explicit Content-Type field, lower case, or "" when there is none. */
        String declaredType() {
            String value = value("Content-Type");
            int semi = value.indexOf(';');
            return (semi < 0 ? value : value.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        }

        boolean declaredEncodingIsEncoded() {
            String e = declaredEncoding();
            return e.equals("base64") || e.equals("quoted-printable");
        }

        private String declaredEncoding() {
            return value("Content-Transfer-Encoding").strip().toLowerCase(Locale.ROOT);
        }

        private String value(String name) {
            for (byte[] field : fields) {
                if (nameOf(field).equalsIgnoreCase(name)) {
                    String s = new String(field, StandardCharsets.US_ASCII);
                    return s.substring(s.indexOf(':') + 1).replace("\r\n", "");
                }
            }
            return "";
        }

        private static String nameOf(byte[] field) {
            int colon = 0;
            while (colon < field.length && field[colon] != ':') {
                colon++;
            }
            return new String(field, 0, colon, StandardCharsets.US_ASCII).strip();
        }

        private static byte[] encodingField(String encoding) {
            return ("Content-Transfer-Encoding: " + encoding + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * Delimiters of one multipart entity, written anew (RFC 2046 section 5.1.1), and its preamble and epilogue.
     * The preamble is held back until the first part shows the structure is sound: a multipart in which no
     * delimiter was found has all its content in the "preamble", and dropping that for its 8-bit octets would
     * lose the message, so that case is refused instead.
     */
    private static final class Multipart implements AutoCloseable {
        private final byte[] delimiter;
        private final boolean signed;
        private PartBuffer preamble;
        private int parts;
        private boolean closed;

        Multipart(String boundary, boolean signed) {
            this.delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
            this.signed = signed;
        }

        void preamble(PartBuffer content) {
            preamble = content;
        }

        /** The CRLF before a delimiter belongs to the delimiter: a part's content never ends with it. */
        void startPart(OutputStream out) throws IOException {
            if (parts == 0) {
                writePreamble(out);
            }
            if (parts > 0 || preamble != null) {
                out.write(CRLF);
            }
            out.write(delimiter);
            out.write(CRLF);
            parts++;
        }

        void epilogue(PartBuffer content, OutputStream out) throws IOException {
            close(out);
            if (!content.eightBit) {
                content.copyTo(out);
            }
        }

        void end(OutputStream out) throws IOException, DowngradeException {
            if (parts == 0) {
                if (preamble != null && preamble.eightBit) {
                    throw new DowngradeException(554, "5.6.5",
                            "Conversion to 7-bit failed: multipart without any delimiter line");
                }
                writePreamble(out);
            }
            if (!closed) {
                close(out);
            }
        }

        /** A preamble with 8-bit octets is dropped (see the class comment). */
        private void writePreamble(OutputStream out) throws IOException {
            if (preamble != null && !preamble.eightBit) {
                preamble.copyTo(out);
            }
        }

        private void close(OutputStream out) throws IOException {
            if (parts > 0 || preamble != null) {
                out.write(CRLF);
            }
            out.write(delimiter);
            out.write('-');
            out.write('-');
            out.write(CRLF);
            closed = true;
        }

        @Override
        public void close() throws IOException {
            if (preamble != null) {
                preamble.close();
            }
        }
    }

    /** A leaf body: in memory up to {@link #MEMORY_LIMIT}, then in a temporary file. */
    private final class PartBuffer implements AutoCloseable {
        private byte[] memory = new byte[8192];
        private int length;
        private Path file;
        private OutputStream fileOut;
        boolean eightBit;

        void fill(InputStream in) throws IOException {
            byte[] chunk = new byte[16384];
            int n;
            while ((n = in.read(chunk)) > 0) {
                eightBit = eightBit || indexOfEightBit(chunk, 0, n) >= 0;
                if (fileOut == null && length + n > MEMORY_LIMIT) {
                    file = Files.createTempFile(spillDirectory, "downgrade-", ".part");
                    fileOut = Files.newOutputStream(file);
                    fileOut.write(memory, 0, length);
                }
                if (fileOut != null) {
                    fileOut.write(chunk, 0, n);
                } else {
                    if (length + n > memory.length) {
                        memory = Arrays.copyOf(memory, Math.min(MEMORY_LIMIT, Math.max(memory.length * 2, length + n)));
                    }
                    System.arraycopy(chunk, 0, memory, length, n);
                    length += n;
                }
            }
            if (fileOut != null) {
                fileOut.close();
            }
        }

        InputStream open() throws IOException {
            return file != null ? Files.newInputStream(file) : new ByteArrayInputStream(memory, 0, length);
        }

        void copyTo(OutputStream out) throws IOException {
            try (InputStream in = open()) {
                in.transferTo(out);
            }
        }

        @Override
        public void close() throws IOException {
            if (fileOut != null) {
                fileOut.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * mime4j skips a header line it cannot parse (no colon) without a word, which would silently drop it from
     * the converted message; failing instead turns it into a 5.6.5 bounce. Other events (a missing closing
     * delimiter, obsolete syntax) are tolerated as mime4j tolerates them.
     */
    private static final class FailOnInvalidHeader extends DecodeMonitor {
        @Override
        public boolean warn(String error, String dropDesc) {
            return error != null && error.contains(Event.INVALID_HEADER.toString());
        }

        @Override
        public boolean isListening() {
            return true;
        }
    }

    /** RFC 2045 section 6.8: lines of 76 characters, CRLF between them; closing it leaves {@code out} open. */
    private static OutputStream base64(OutputStream out) {
        return Base64.getMimeEncoder(76, CRLF).wrap(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        });
    }

    /**
     * Quoted-printable in text mode (RFC 2045 section 6.7): CRLF stays a line break; every other octet that
     * is not printable ASCII, "=" included, becomes =XX (bare CR and LF too, so nothing is lost); SP or TAB
     * before a line break or at the end of the data becomes =20 / =09 (rule 3); no encoded line is longer
     * than 76 characters, soft line breaks ("=" CRLF) included (rule 5).
     *
     * <p>Not mime4j's QuotedPrintableOutputStream: in text mode it writes a bare LF and a bare CR through
     * unencoded, drops a CR that follows a pending space, and leaves white space at the very end unencoded,
     * where a decoder strips it.
     */
    static final class QuotedPrintableEncoder extends OutputStream {
        private static final int MAX_LINE = 76;
        private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

        private final OutputStream out;
        private int lineLength;
        /** SP or TAB not written yet: encoded if a line break or the end follows. -1 for none. */
        private int pendingWhiteSpace = -1;
        private boolean pendingCr;

        QuotedPrintableEncoder(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            b &= 0xFF;
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    flushWhiteSpace(true);
                    out.write(CRLF);
                    lineLength = 0;
                    return;
                }
                flushWhiteSpace(false);
                escaped('\r');
            }
            if (b == '\r') {
                pendingCr = true;
                return;
            }
            flushWhiteSpace(false);
            if (b == ' ' || b == '\t') {
                pendingWhiteSpace = b;
            } else if (b >= 33 && b <= 126 && b != '=') {
                literal(b);
            } else {
                escaped(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        /** Ends the encoding (a trailing CR or white space is encoded); does not close the underlying stream. */
        @Override
        public void close() throws IOException {
            if (pendingCr) {
                pendingCr = false;
                flushWhiteSpace(false);
                escaped('\r');
            }
            flushWhiteSpace(true);
            out.flush();
        }

        private void flushWhiteSpace(boolean atLineEnd) throws IOException {
            if (pendingWhiteSpace >= 0) {
                int ws = pendingWhiteSpace;
                pendingWhiteSpace = -1;
                if (atLineEnd) {
                    escaped(ws);
                } else {
                    literal(ws);
                }
            }
        }

        private void literal(int b) throws IOException {
            room(1);
            out.write(b);
            lineLength++;
        }

        private void escaped(int b) throws IOException {
            room(3);
            out.write('=');
            out.write(HEX[b >> 4]);
            out.write(HEX[b & 0xF]);
            lineLength += 3;
        }

        /** A soft line break when the next token would not leave room for the "=" of a later one. */
        private void room(int token) throws IOException {
            if (lineLength + token > MAX_LINE - 1) {
                out.write('=');
                out.write(CRLF);
                lineLength = 0;
            }
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    static int indexOfEightBit(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] < 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
