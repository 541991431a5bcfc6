package dev.mailroom.queue;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.Mailbox;
import dev.mailroom.address.Xtext;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The spool as files: one file per message holding the envelope (a short text header) followed by the
 * content, and a small state file once delivery has begun.
 *
 * <pre>
 *   spool/incoming/ID     being written; deleted at start-up (never acknowledged)
 *   spool/spare/ID        a delivered message's file kept for reuse ({@link SpareFiles}); new messages are
 *                         written into one when there is one, instead of into incoming/
 *   spool/queue/ID        committed: fsync'd, renamed here, directory fsync'd (shared by {@link GroupSync})
 *   spool/queue/ID.state  delivery state, replaced atomically
 * </pre>
 *
 * One file per message keeps a crash simple: a file in queue/ is complete, anything in incoming/ was never
 * acknowledged. The file's fsync runs in the session's own thread, so many sessions sync in parallel and
 * the file system batches them in one journal commit; the directory fsync is explicitly grouped.
 */
public final class FileSpool implements Spool {
    private static final String MAGIC = "Mailroom-Spool: 1";
    /** Disk kept for spares: enough to absorb a burst's backlog of small messages (see {@link SpareFiles}). */
    private static final long SPARE_CAPACITY_BYTES = 64L * 1024 * 1024;
    /**
     * The second line of every envelope: where the fields given to {@link SpoolWriter#prependHeader} are and how
     * long they are, as fixed-width numbers, so that the line is filled in place when they are known, after the
     * content. Zero length: there are none. Files without the line (older versions) have none either.
     */
    private static final String PREPEND = "prepend ";
    private static final int PREPEND_LINE_AT = MAGIC.length() + 1;
    private static final String NO_PREPEND = prependLine(0, 0);
    private final Path incoming;
    private final Path queue;
    private final GroupSync queueSync;
    private final SpareFiles spares; // null when opened for reading only
    /**
     * The ids whose {@code .state} file exists, so that removing a message delivered at its first attempt (no
     * state ever saved: the common case) costs no unlink of a missing file, a lookup in a large directory.
     * Null when opened for reading only: then every removal looks.
     */
    private final Set<String> withState;
    private volatile java.util.function.LongConsumer syncNanos = nanos -> { };

    private FileSpool(Path root, SpareFiles spares) throws IOException {
        this.spares = spares;
        this.withState = spares == null ? null : ConcurrentHashMap.newKeySet();
        this.incoming = root.resolve("incoming");
        this.queue = root.resolve("queue");
        Files.createDirectories(incoming);
        Files.createDirectories(queue);
        this.queueSync = new GroupSync(queue);
    }

    /**
     * Opens the spool for the server: anything left in incoming/ was never acknowledged with 250 and is
     * dropped (RFC 5321 section 3.8); committed messages stay for the scheduler to pick up.
     */
    /** Tells {@code nanos} how long each message's fdatasync at commit took (the metrics). */
    public void timeSyncs(java.util.function.LongConsumer nanos) {
        this.syncNanos = nanos;
    }

    public static FileSpool recover(Path root) throws IOException {
        FileSpool spool = new FileSpool(root, SpareFiles.open(root.resolve("spare"), SPARE_CAPACITY_BYTES));
        try (Stream<Path> left = Files.list(spool.incoming)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
        }
        try (Stream<Path> left = Files.list(spool.queue)) {
            for (Path p : left.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(".state")) {
                    spool.withState.add(name.substring(0, name.length() - ".state".length()));
                }
            }
        }
        return spool;
    }

    /** Opens the spool beside a running server, for the queue commands: changes nothing on opening. */
    public static FileSpool openForReading(Path root) throws IOException {
        return new FileSpool(root, null);
    }

    @Override
    public SpoolWriter create(Envelope envelope, String authenticatedUser) throws IOException {
        String id = QueueIds.next();
        Path spare = spares == null ? null : spares.take();
        Path file = spare != null ? spare : incoming.resolve(id);
        FileChannel channel;
        try {
            channel = spare != null ? FileChannel.open(spare, StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            if (spare != null) {
                Files.deleteIfExists(spare);
            }
            throw e;
        }
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 16 * 1024);
        try {
            out.write(encodeEnvelope(envelope, authenticatedUser, Instant.now()));
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(file);
            throw e;
        }
        return new FileWriter(id, file, channel, out, spare != null);
    }

    private final class FileWriter implements SpoolWriter {
        private final String id;
        private final Path file;
        private final FileChannel channel;
        private final OutputStream out;
        private final boolean reused; // a spare: older, longer content may follow what this message writes
        private boolean finished;
        private boolean prepended;

        FileWriter(String id, Path file, FileChannel channel, OutputStream out, boolean reused) {
            this.id = id;
            this.file = file;
            this.channel = channel;
            this.out = out;
            this.reused = reused;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public OutputStream content() {
            return out;
        }

        /**
         * Appends the fields after the content and fills in the envelope's prepend line with where they are: no
         * second file, no copy of the content, and the commit's single fsync covers both.
         */
        @Override
        public void prependHeader(byte[] fields) throws IOException {
            if (finished || prepended) {
                throw new IllegalStateException(finished ? "already finished" : "header already prepended");
            }
            prepended = true;
            out.flush();
            long offset = channel.position();
            out.write(fields);
            out.flush();
            java.nio.ByteBuffer line = java.nio.ByteBuffer.wrap(prependLine(offset, fields.length).getBytes(StandardCharsets.US_ASCII));
            while (line.hasRemaining()) {
                channel.write(line, PREPEND_LINE_AT + line.position());
            }
        }

        @Override
        public void commit() throws IOException {
            if (finished) {
                throw new IllegalStateException("already finished");
            }
            finished = true;
            try {
                out.flush();
                if (reused) {
                    channel.truncate(channel.position());
                }
                // fdatasync: the data and the size are what a reader needs; the modification time is not.
                long started = System.nanoTime();
                channel.force(false);
                syncNanos.accept(System.nanoTime() - started);
                channel.close();
                Files.move(file, queue.resolve(id), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                closeQuietly();
                Files.deleteIfExists(file);
                throw e;
            }
            queueSync.sync();
        }

        @Override
        public void abort() {
            if (finished) {
                return;
            }
            finished = true;
            closeQuietly();
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // incoming/ is cleaned at the next start anyway
            }
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    @Override
    public List<String> list() throws IOException {
        try (Stream<Path> files = Files.list(queue)) {
            return files.map(p -> p.getFileName().toString()).filter(QueueIds::isValid).sorted().toList();
        }
    }

    /**
     * The due time of a message is its state file's modification time ({@link #saveState} sets it, as Postfix's
     * qmgr reads the deferred queue), so finding due work costs a stat per message, not a file read: a
     * backlog of a million deferred messages is scanned without holding it in memory. A message without state
     * file has never been attempted and is due at once.
     */
    @Override
    public List<Due> due(Instant horizon, int limit, Predicate<String> skip) throws IOException {
        List<Due> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(queue)) {
            for (Path p : dir) {
                if (out.size() >= limit) {
                    break;
                }
                String id = p.getFileName().toString();
                if (!QueueIds.isValid(id) || skip.test(id)) {
                    continue;
                }
                Instant when = dueTime(id);
                if (when.isBefore(horizon)) {
                    out.add(new Due(id, when));
                }
            }
        }
        return out;
    }

    /** The state file's modification time; a message without one has never been attempted and is due now. */
    private Instant dueTime(String id) throws IOException {
        try {
            return Files.getLastModifiedTime(queue.resolve(id + ".state")).toInstant();
        } catch (NoSuchFileException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * Like {@link #due}, a listing and a stat per message, no file read: a held message's due time is
     * {@link #HELD_UNTIL}, or as close to it as the file system goes. Scrapes come every few seconds at most, so
     * even a large backlog is cheap enough to count anew each time, and the count cannot drift from what is on
     * disk (operators hold messages with the server stopped too).
     */
    @Override
    public Backlog backlog(Predicate<String> skip) throws IOException {
        int deferred = 0;
        int held = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(queue)) {
            for (Path p : dir) {
                String id = p.getFileName().toString();
                if (!QueueIds.isValid(id) || skip.test(id)) {
                    continue;
                }
                if (dueTime(id).isAfter(HELD_AFTER)) {
                    held++;
                } else {
                    deferred++;
                }
            }
        }
        return new Backlog(deferred, held);
    }

    @Override
    public StoredMessage read(String id) throws IOException {
        if (!QueueIds.isValid(id)) {
            throw new NoSuchFileException(id);
        }
        Path file = queue.resolve(id);
        ParsedHeader header;
        long fileSize;
        // Buffered: the envelope is parsed byte by byte, and a system call per byte is what it must not cost.
        // The size comes from the open file (fstat), not the path: one lookup in a large directory fewer.
        try (FileChannel channel = FileChannel.open(file);
             InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 4096)) {
            fileSize = channel.size();
            header = parseEnvelope(in, id);
        }
        DeliveryState state = readState(id, header.created(), header.envelope().recipients().size());
        return new FileMessage(id, file, header, state, fileSize - header.length());
    }

    /** The size counts the prepended fields: they are after the content in the file, before it for readers. */
    private record FileMessage(String id, Path file, ParsedHeader header, DeliveryState state, long size)
            implements StoredMessage {
        @Override
        public Envelope envelope() {
            return header.envelope();
        }

        @Override
        public String authenticatedUser() {
            return header.authUser();
        }

        @Override
        public Instant created() {
            return header.created();
        }

        @Override
        public InputStream openContent() throws IOException {
            InputStream in = Files.newInputStream(file);
            if (header.prependLength() == 0) {
                in.skipNBytes(header.length());
                return in;
            }
            try (FileChannel ch = FileChannel.open(file)) {
                java.nio.ByteBuffer fields = java.nio.ByteBuffer.allocate(header.prependLength());
                while (fields.hasRemaining()) {
                    if (ch.read(fields, header.prependOffset() + fields.position()) < 0) {
                        throw new IOException("spool file " + id + " ends inside its prepended header fields");
                    }
                }
                in.skipNBytes(header.length());
                return new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(fields.array()),
                        new Limited(in, header.prependOffset() - header.length()));
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }
    }

    /** The content between the envelope and the prepended fields. */
    private static final class Limited extends java.io.FilterInputStream {
        private long left;

        Limited(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, left));
            left -= skipped;
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), left);
        }
    }

    @Override
    public void makeDue(String id, Instant when) throws IOException {
        try {
            Files.setLastModifiedTime(queue.resolve(id + ".state"), FileTime.from(when));
        } catch (NoSuchFileException e) {
            // never attempted: due already
        }
    }

    /** Far enough ahead to mean "not until released", and still a valid file time everywhere. */
    private static final Instant HELD_UNTIL = Instant.parse("9999-01-01T00:00:00Z");
    /**
     * A due time after this is {@link #HELD_UNTIL} as it was stored: the JDK sets file times in nanoseconds
     * (up to 2262-04-11) and ext4 keeps them up to 2446, and no retry is ever scheduled a century ahead.
     */
    private static final Instant HELD_AFTER = Instant.parse("2200-01-01T00:00:00Z");

    @Override
    public void saveState(String id, DeliveryState state) throws IOException {
        Path tmp = queue.resolve(id + ".state.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(StateFormat.encode(state).getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        // The due time, for due(): a held message is never due until released.
        Files.setLastModifiedTime(tmp, FileTime.from(state.held() ? HELD_UNTIL : state.nextAttempt()));
        try {
            Files.move(tmp, queue.resolve(id + ".state"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, queue.resolve(id + ".state"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (withState != null) {
            withState.add(id);
        }
        queueSync.sync();
    }

    private DeliveryState readState(String id, Instant created, int recipientCount) throws IOException {
        Path file = queue.resolve(id + ".state");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return DeliveryState.fresh(created, recipientCount); // never attempted (the common case: no exists() first)
        }
        try {
            return StateFormat.decode(text, created, recipientCount);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": damaged delivery state: " + e.getMessage(), e);
        }
    }

    @Override
    public void remove(String id) throws IOException {
        if (withState == null || withState.remove(id)) {
            Files.deleteIfExists(queue.resolve(id + ".state"));
        }
        Path file = queue.resolve(id);
        SpareFiles.Adopted spare = null;
        if (spares != null) {
            try {
                spare = spares.adopt(file, id);
            } catch (NoSuchFileException e) {
                return; // removed already
            }
        }
        if (spare == null) {
            Files.deleteIfExists(file);
        }
        try {
            queueSync.sync();
        } catch (IOException e) {
            if (spare != null) {
                discard(spare);
            }
            throw e;
        }
        if (spare != null) {
            try {
                spares.offer(spare); // only now: the queue no longer names it, even after a crash
            } catch (IOException e) {
                discard(spare); // the message is gone from the queue all the same; only the spare is lost
            }
        }
    }

    private void discard(SpareFiles.Adopted spare) throws IOException {
        spares.drop(spare);
        Files.deleteIfExists(spare.path());
    }

    // ---- the envelope header of a spool file ----

    /** @param prependOffset where the prepended fields are in the file; {@code prependLength} zero: none */
    private record ParsedHeader(Envelope envelope, String authUser, Instant created, long length,
                                long prependOffset, int prependLength) {}

    private static String prependLine(long offset, int length) {
        return String.format(java.util.Locale.ROOT, "%s%020d %010d", PREPEND, offset, length);
    }

    static byte[] encodeEnvelope(Envelope env, String authUser, Instant created) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(MAGIC).append('\n');
        sb.append(NO_PREPEND).append('\n');
        sb.append("created ").append(created.toEpochMilli()).append('\n');
        sb.append("from ").append(env.reversePath() == null ? "<>" : Xtext.encode(env.reversePath().address())).append('\n');
        MailParameters p = env.parameters();
        if (p.body() != null) {
            sb.append("body ").append(p.body().keyword()).append('\n');
        }
        if (p.smtputf8()) {
            sb.append("smtputf8\n");
        }
        if (p.declaredSize() >= 0) {
            sb.append("size ").append(p.declaredSize()).append('\n');
        }
        if (p.ret() != null) {
            sb.append("ret ").append(p.ret()).append('\n');
        }
        if (p.envid() != null) {
            sb.append("envid ").append(p.envid()).append('\n');
        }
        if (p.auth() != null) {
            sb.append("auth ").append(p.auth()).append('\n');
        }
        if (p.requireTls()) {
            sb.append("requiretls\n");
        }
        if (p.tlsOptional()) {
            sb.append("tlsoptional\n"); // TLS-Required: No (RFC 8689 section 5)
        }
        if (authUser != null) {
            sb.append("user ").append(Xtext.encode(authUser)).append('\n');
        }
        for (Recipient r : env.recipients()) {
            sb.append("rcpt ").append(Xtext.encode(r.mailbox().address()));
            if (r.notifyParam() != null) {
                sb.append(" notify=").append(r.notifyParam());
            }
            if (r.orcpt() != null) {
                sb.append(" orcpt=").append(r.orcpt());
            }
            sb.append('\n');
        }
        sb.append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ParsedHeader parseEnvelope(InputStream in, String id) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        long length = 0;
        int b;
        while ((b = in.read()) >= 0) {
            length++;
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (text.isEmpty()) {
                    break;
                }
                lines.add(text);
            } else {
                line.write(b);
            }
        }
        if (lines.isEmpty() || !lines.getFirst().equals(MAGIC)) {
            throw new IOException("spool file " + id + " is not a Mailroom spool file");
        }
        try {
            Mailbox from = null;
            Instant created = Instant.EPOCH;
            BodyType body = null;
            boolean utf8 = false;
            boolean requireTls = false;
            boolean tlsOptional = false;
            long size = -1;
            DsnRet ret = null;
            String envid = null;
            String auth = null;
            String user = null;
            long prependOffset = 0;
            int prependLength = 0;
            List<Recipient> rcpts = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                int sp = l.indexOf(' ');
                String key = sp < 0 ? l : l.substring(0, sp);
                String value = sp < 0 ? "" : l.substring(sp + 1);
                switch (key) {
                    case "created" -> created = Instant.ofEpochMilli(Long.parseLong(value));
                    case "from" -> from = value.equals("<>") ? null : mailbox(Xtext.decode(value));
                    case "body" -> body = BodyType.fromKeyword(value);
                    case "smtputf8" -> utf8 = true;
                    case "size" -> size = Long.parseLong(value);
                    case "ret" -> ret = DsnRet.valueOf(value);
                    case "envid" -> envid = value;
                    case "auth" -> auth = value;
                    case "requiretls" -> requireTls = true;
                    case "tlsoptional" -> tlsOptional = true;
                    case "user" -> user = Xtext.decode(value);
                    case "rcpt" -> rcpts.add(recipient(value));
                    case "prepend" -> {
                        String[] where = value.split(" ");
                        prependOffset = Long.parseLong(where[0]);
                        prependLength = Integer.parseInt(where[1]);
                    }
                    default -> {
                        // unknown keys from a newer version are ignored
                    }
                }
            }
            Envelope env = new Envelope(from, new MailParameters(body, utf8, size, ret, envid, auth, requireTls,
                    tlsOptional && !requireTls), rcpts);
            if (prependLength < 0 || prependLength > 0 && prependOffset < length) {
                throw new IllegalArgumentException("prepended fields at " + prependOffset + " inside the envelope");
            }
            return new ParsedHeader(env, user, created, length, prependOffset, prependLength);
        } catch (AddressException | RuntimeException e) {
            throw new IOException("spool file " + id + " has a damaged envelope: " + e.getMessage(), e);
        }
    }

    private static Recipient recipient(String value) throws AddressException {
        String[] parts = value.split(" ");
        String notify = null;
        String orcpt = null;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].startsWith("notify=")) {
                notify = parts[i].substring(7);
            } else if (parts[i].startsWith("orcpt=")) {
                orcpt = parts[i].substring(6);
            }
        }
        return new Recipient(mailbox(Xtext.decode(parts[0])), notify, orcpt);
    }

    /** Splits at the last '@': a quoted local-part may contain '@', a domain never does. */
    static Mailbox mailbox(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? new Mailbox(address, null) : new Mailbox(address.substring(0, at), address.substring(at + 1));
    }
}
