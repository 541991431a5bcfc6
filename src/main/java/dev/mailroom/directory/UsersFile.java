package dev.mailroom.directory;

import dev.mailroom.sasl.CredentialStore;
import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.sasl.ScramCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users file (Dovecot passwd-file syntax, see {@link UsersFileFormat}). Reads come from an in-memory
 * snapshot that is reloaded when the file's mtime, size or inode changes, checked at most once per second
 * so a busy server does not stat the file on every AUTH. Writes are read-modify-write of the file on disk
 * followed by an atomic replace. Thread-safe within one process; two processes writing at once (two admin
 * commands) are not coordinated — the last rename wins.
 */
public final class UsersFile implements CredentialStore {

    private static final Logger LOG = LoggerFactory.getLogger(UsersFile.class);
    private static final long CHECK_INTERVAL_MILLIS = 1000;
    /** SCRAM cost for new credentials: RFC 7677 section 4's minimum, as Dovecot uses by default. */
    private static final int SCRAM_ITERATIONS = ScramCredentials.MIN_ITERATIONS;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final java.util.concurrent.atomic.AtomicLong hashVerifications = new java.util.concurrent.atomic.AtomicLong();

    private record Stamp(FileTime mtime, long size, Object fileKey) {
    }

    private record Snapshot(Stamp stamp, UsersFileFormat.Contents contents) {
    }

    private final Path path;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final Object writeLock = new Object();
    private volatile Snapshot current;
    private volatile long lastCheckMillis;
    private volatile Stamp lastBadStamp;
    private volatile String dummyHash;

    public UsersFile(Path path, PasswordHasher hasher) {
        this(path, hasher, Clock.systemUTC());
    }

    /** With a clock, so tests can step past the once-per-second reload check without sleeping. */
    public UsersFile(Path path, PasswordHasher hasher, Clock clock) {
        this.path = Objects.requireNonNull(path);
        this.hasher = Objects.requireNonNull(hasher);
        this.clock = Objects.requireNonNull(clock);
    }

    /** Creates an empty users file (mode 0600) if there is none: a fresh install has no users yet. */
    public static void createIfMissing(Path path) throws IOException {
        if (!Files.exists(path)) {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            AtomicFiles.replace(path, new byte[0]);
        }
    }

    public Path path() {
        return path;
    }

    // ---- reading (the SMTP server's side) ----

    @Override
    public boolean verifyPassword(String username, String password) throws CredentialStoreUnavailableException {
        Optional<User> user = find(username);
        if (user.isEmpty()) {
            // AUTH-13: spend the same hashing time for an unknown user as for a wrong password.
            hasher.verify(password, dummyHash());
            return false;
        }
        return verify(user.get(), password);
    }

    /** Verifies against the hash of an already looked-up user (used by the caching store). */
    boolean verify(User user, String password) {
        hashVerifications.incrementAndGet();
        return hasher.verify(password, user.passwordHash());
    }

    /** How many password hashes this file has checked: the expensive part of a login. */
    long hashVerifications() {
        return hashVerifications.get();
    }

    @Override
    public Optional<ScramCredentials> scramSha256(String username) throws CredentialStoreUnavailableException {
        return find(username).flatMap(User::scram);
    }

    /** The user named exactly {@code name}, for AUTH and for sender checks (MSA-16). */
    public Optional<User> find(String name) throws CredentialStoreUnavailableException {
        try {
            UsersFileFormat.Entry entry = snapshot().contents().users().get(name);
            return entry == null ? Optional.empty() : Optional.of(entry.user());
        } catch (IOException e) {
            throw new CredentialStoreUnavailableException("users file " + path + " unreadable: " + e.getMessage(), e);
        }
    }

    /** All users in file order. */
    public List<User> list() throws IOException {
        return snapshot().contents().users().values().stream().map(UsersFileFormat.Entry::user).toList();
    }

    private Snapshot snapshot() throws IOException {
        Snapshot snap = current;
        long now = clock.millis();
        if (snap != null && now - lastCheckMillis < CHECK_INTERVAL_MILLIS) {
            return snap;
        }
        synchronized (this) {
            snap = current;
            if (snap != null && now - lastCheckMillis < CHECK_INTERVAL_MILLIS) {
                return snap;
            }
            lastCheckMillis = now;
            Stamp stamp = stamp(); // before reading, so a change during the read is seen next time
            if (snap != null && (stamp.equals(snap.stamp()) || stamp.equals(lastBadStamp))) {
                return snap;
            }
            try {
                current = new Snapshot(stamp, UsersFileFormat.parse(path, readLines()));
                lastBadStamp = null;
            } catch (UsersFileException e) {
                if (snap == null) {
                    throw e;
                }
                // Keep serving the last good version: a typo in one line should not lock every user out.
                lastBadStamp = stamp;
                LOG.error("Not reloading users file, keeping the previous version: {}", e.getMessage());
            }
            return current;
        }
    }

    private Stamp stamp() throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
    }

    private List<String> readLines() throws IOException {
        return Files.readAllLines(path, StandardCharsets.UTF_8);
    }

    private String dummyHash() {
        String h = dummyHash;
        if (h == null) {
            h = hasher.hash("mailroom-timing-equalizer");
            dummyHash = h;
        }
        return h;
    }

    // ---- writing (the admin command's side) ----

    /**
     * Adds a user with an Argon2id hash and SCRAM-SHA-256 credentials, so PLAIN, LOGIN and SCRAM all work.
     *
     * @throws IllegalArgumentException if the name is invalid or already taken, or a sender address is bad
     */
    public void add(String name, String password, Set<String> senders, Set<String> sendAs) throws IOException {
        if (!UsersFileFormat.isValidName(name)) {
            throw new IllegalArgumentException("invalid user name");
        }
        User user = new User(name, hasher.hash(password), Optional.of(newScram(password)),
                UsersFileFormat.normalizeGrants(senders), UsersFileFormat.normalizeGrants(sendAs));
        rewrite(contents -> {
            if (contents.users().containsKey(name)) {
                throw new IllegalArgumentException("user '" + name + "' already exists");
            }
            List<String> lines = new ArrayList<>(contents.lines());
            lines.add(UsersFileFormat.render(user, new LinkedHashMap<>()));
            return lines;
        });
    }

    /** Replaces the password hash and the SCRAM credentials, keeping all other fields. False if no such user. */
    public boolean setPassword(String name, String password) throws IOException {
        String hash = hasher.hash(password);
        ScramCredentials scram = newScram(password);
        return rewriteUser(name, e -> new User(name, hash, Optional.of(scram), e.senders(), e.sendAs()));
    }

    /** Removes the user's line; comments and other lines stay. False if no such user. */
    public boolean remove(String name) throws IOException {
        return rewriteUser(name, e -> null);
    }

    private boolean rewriteUser(String name, UnaryOperator<User> change) throws IOException {
        boolean[] found = {false};
        rewrite(contents -> {
            UsersFileFormat.Entry entry = contents.users().get(name);
            List<String> lines = new ArrayList<>(contents.lines());
            if (entry != null) {
                found[0] = true;
                User changed = change.apply(entry.user());
                if (changed == null) {
                    lines.remove(entry.lineIndex());
                } else {
                    lines.set(entry.lineIndex(), UsersFileFormat.render(changed, entry.extras()));
                }
            }
            return lines;
        });
        return found[0];
    }

    private interface Edit {
        List<String> apply(UsersFileFormat.Contents contents) throws IOException;
    }

    private void rewrite(Edit edit) throws IOException {
        synchronized (writeLock) {
            List<String> lines;
            try {
                lines = readLines();
            } catch (NoSuchFileException e) {
                lines = List.of();
            }
            // Parsing first refuses to rewrite a file we do not understand, which would lose its content.
            List<String> updated = edit.apply(UsersFileFormat.parse(path, lines));
            StringBuilder text = new StringBuilder();
            updated.forEach(l -> text.append(l).append('\n'));
            AtomicFiles.replace(path, text.toString().getBytes(StandardCharsets.UTF_8));
            synchronized (this) {
                current = null; // force a reload on the next read, without waiting for the 1 s check
            }
        }
    }

    private static ScramCredentials newScram(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return ScramCredentials.derive(password, salt, SCRAM_ITERATIONS);
    }
}
