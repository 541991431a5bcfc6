package dev.mailroom.dkim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.util.Objects;

/**
 * A configured key and its private key, read at start and read again when the file changes (its modification
 * time, size or inode), as the TLS certificate is. A file that cannot be read or parsed any more makes signing
 * fail rather than go on with a key the operator has replaced. {@link #toString()} never shows the key.
 */
final class SigningKey {
    private final DkimSettings.Key spec;
    private volatile Loaded loaded;

    private record Loaded(Object fileKey, long modified, long size, PrivateKey key) {}

    private SigningKey(DkimSettings.Key spec, Loaded loaded) {
        this.spec = spec;
        this.loaded = loaded;
    }

    static SigningKey load(DkimSettings.Key spec) throws KeyFileException {
        return new SigningKey(spec, read(spec));
    }

    String domain() {
        return spec.domain();
    }

    String selector() {
        return spec.selector();
    }

    DkimAlgorithm algorithm() {
        return spec.algorithm();
    }

    /** The private key, re-read if the file changed since the last read. */
    PrivateKey privateKey() throws KeyFileException {
        Loaded current = loaded;
        BasicFileAttributes a = attributes(spec.privateKey());
        if (Objects.equals(a.fileKey(), current.fileKey()) && a.lastModifiedTime().toMillis() == current.modified()
                && a.size() == current.size()) {
            return current.key();
        }
        synchronized (this) {
            loaded = read(spec);
            return loaded.key();
        }
    }

    private static Loaded read(DkimSettings.Key spec) throws KeyFileException {
        // Attributes first: a change while reading shows up as a change at the next use.
        BasicFileAttributes a = attributes(spec.privateKey());
        PrivateKey key = DkimKeyFile.read(spec.privateKey(), spec.algorithm());
        return new Loaded(a.fileKey(), a.lastModifiedTime().toMillis(), a.size(), key);
    }

    private static BasicFileAttributes attributes(Path file) throws KeyFileException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new KeyFileException(file + ": cannot read: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    @Override
    public String toString() {
        return spec.selector() + "._domainkey." + spec.domain() + " (" + spec.algorithm().keyType() + ", "
                + spec.privateKey() + ")";
    }
}
