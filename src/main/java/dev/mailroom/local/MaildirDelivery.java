package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import dev.mailroom.queue.GroupSync;
import dev.mailroom.smtp.SmtpException;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.StorageFailure;
import dev.mailroom.smtp.client.MessageSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Final delivery of one message to one local mailbox in Maildir format (https://cr.yp.to/proto/maildir.html):
 * write under a unique name in {@code tmp/}, fsync the file, link it into {@code new/}, fsync {@code new/}.
 * Only then is the message delivered; a crash before that leaves at most a stale file in {@code tmp/},
 * which readers ignore. Thread-safe; every call is independent.
 *
 * <p>The stored message is {@code Return-Path: <sender>} (RFC 5321 section 4.4: the final delivery agent
 * records the reverse-path), {@code Delivered-To: recipient} (as Postfix writes it, so that a message that
 * comes back to the same mailbox is recognised as a loop), then the message byte for byte.
 */
public final class MaildirDelivery {

    private static final FileAttribute<?> DIR_0700 = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<?> FILE_0600 = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final int BUFFER = 64 * 1024;

    private final MaildirLayout layout;
    private final MaildirNames names;
    private final boolean posix;

    /** @param hostname this host's name, part of every file name (the maildir spec's uniqueness rule) */
    private final Map<Path, GroupSync> newDirSyncs = new ConcurrentHashMap<>();

    public MaildirDelivery(MaildirLayout layout, String hostname) {
        this(layout, hostname, Clock.systemUTC());
    }

    MaildirDelivery(MaildirLayout layout, String hostname, Clock clock) {
        this.layout = layout;
        this.names = new MaildirNames(hostname, clock);
        this.posix = layout.root().getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Delivers and answers as an SMTP server would for this recipient: {@code 250 2.0.0} when the message
     * is durably in {@code new/}, otherwise the failure's reply (see {@link #store}).
     *
     * @param sender    the reverse-path, null for the null sender {@code <>}
     * @param recipient the final local mailbox (after alias resolution)
     */
    public SmtpReply deliver(Mailbox sender, Mailbox recipient, MessageSource message) {
        try {
            Path file = store(sender, recipient, message);
            return SmtpReply.of(250, "2.0.0", "Delivered to maildir as " + file.getFileName());
        } catch (SmtpException e) {
            return e.reply();
        }
    }

    /**
     * Delivers and returns the file in {@code new/}.
     *
     * @throws SmtpException 452 4.3.1 when the disk (or a quota) is full, 451 4.3.0 for any other storage
     *                       error (both temporary: the queue retries), 554 5.4.6 for a forwarding loop, 550
     *                       5.1.3 when the recipient cannot name a mailbox (no DNS domain, a line break)
     */
    public Path store(Mailbox sender, Mailbox recipient, MessageSource message) throws SmtpException {
        Path maildir;
        try {
            maildir = layout.maildirFor(recipient);
        } catch (IllegalArgumentException e) {
            throw new SmtpException(550, "5.1.3", "No local mailbox for this address"); // RFC 3463 X.1.3
        }
        byte[] trace = traceFields(sender, recipient);
        try {
            Path tmpDir = ensureMaildir(maildir);
            return write(maildir, tmpDir, trace, recipient, message);
        } catch (IOException e) {
            throw StorageFailure.of(e);
        }
    }

    /** {@code Return-Path} and {@code Delivered-To}, the only bytes added to the message. */
    static byte[] traceFields(Mailbox sender, Mailbox recipient) throws SmtpException {
        String from = sender == null ? "" : sender.address();
        String to = recipient.address();
        // Addresses come from the path parser, which allows no CR or LF; a header injection must stay
        // impossible even if one arrives by another way.
        if (hasLineBreak(from)) {
            throw new SmtpException(550, "5.1.7", "Bad sender address syntax"); // RFC 3463 X.1.7
        }
        if (hasLineBreak(to)) {
            throw new SmtpException(550, "5.1.3", "Bad recipient address syntax"); // RFC 3463 X.1.3
        }
        // RFC 5321 section 4.4: Return-Path: <reverse-path>, "<>" for the null reverse-path.
        return ("Return-Path: <" + from + ">\r\nDelivered-To: " + to + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private Path write(Path maildir, Path tmpDir, byte[] trace, Mailbox recipient, MessageSource message)
            throws IOException, SmtpException {
        TmpFile created = createTmp(tmpDir);
        String name = created.name();
        Path tmp = created.path();
        boolean done = false;
        try {
            long size;
            DeliveredToScanner loop = new DeliveredToScanner(recipient.address());
            try (FileChannel ch = created.channel(); InputStream in = message.open()) {
                size = writeFully(ch, ByteBuffer.wrap(trace));
                byte[] buf = new byte[BUFFER];
                int n;
                while ((n = in.read(buf)) > 0) {
                    loop.feed(buf, 0, n);
                    size += writeFully(ch, ByteBuffer.wrap(buf, 0, n));
                }
                if (loop.loopDetected()) {
                    // RFC 3463 X.4.6 routing loop detected: this mailbox already has this message's copy.
                    throw new SmtpException(554, "5.4.6", "Mail forwarding loop for " + recipient.address());
                }
                ch.force(true);
            }
            Path target = maildir.resolve("new").resolve(name + ",S=" + size);
            publish(tmp, target);
            // One fsync of new/ covers every delivery linked into it meanwhile (group commit, as the spool
            // does): concurrent deliveries to one mailbox share the disk flush instead of queueing for it.
            newDirSyncs.computeIfAbsent(target.getParent(), GroupSync::new).sync();
            done = true;
            return target;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private record TmpFile(String name, Path path, FileChannel channel) {
    }

    /** A new file in tmp/ under a name never used before (O_EXCL, so nothing is ever overwritten). */
    private TmpFile createTmp(Path tmpDir) throws IOException {
        while (true) {
            String name = names.next();
            Path tmp = tmpDir.resolve(name);
            try {
                FileChannel ch = posix
                        ? FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE_0600)
                        : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new TmpFile(name, tmp, ch);
            } catch (FileAlreadyExistsException e) {
                // Only a stale file of a crashed process with our pid could be there; take the next name.
            }
        }
    }

    /**
     * tmp/ → new/ with link + unlink, as the maildir spec does: unlike rename, link never replaces a file
     * that already has the name. Where the file system has no hard links, an atomic rename.
     */
    private static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            Files.delete(tmp);
        } catch (UnsupportedOperationException e) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (FileSystemException e) {
            if (!String.valueOf(e.getReason()).contains("not permitted")) {
                throw e;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // e.g. EPERM from a FAT or FUSE file system
        }
    }

    /** Creates the Maildir and any missing parent (0700) and returns its tmp/. */
    private Path ensureMaildir(Path maildir) throws IOException {
        Path tmp = maildir.resolve("tmp");
        if (Files.isDirectory(tmp) && Files.isDirectory(maildir.resolve("new")) && Files.isDirectory(maildir.resolve("cur"))) {
            return tmp; // the common case: one stat per sub-directory, no creation
        }
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            Path dir = maildir.resolve(sub);
            if (posix) {
                Files.createDirectories(dir, DIR_0700);
            } else {
                Files.createDirectories(dir);
            }
        }
        fsyncDirectory(maildir);
        return tmp;
    }

    private static long writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        long n = buf.remaining();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        return n;
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static boolean hasLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }
}
