package dev.mailroom.dkim;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The body hash (the bh= tag, RFC 6376 section 3.7) computed while the body streams past: fed the same bytes as
 * the spool file, it canonicalizes them on the fly into SHA-256 and keeps only a small buffer, so a 50 MB body
 * costs no more heap than a short one. The whole body is hashed: there is never an l= tag (DKIM-10).
 */
public final class BodyHasher extends OutputStream {
    private final BodyCanonicalizer canonicalizer;
    private final MessageDigest sha256;
    private final Buffer buffer = new Buffer();
    private byte[] digest;

    public BodyHasher(Canonicalization canonicalization) {
        this.canonicalizer = canonicalization.body();
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (digest != null) {
            throw new IllegalStateException("body already hashed");
        }
        for (int i = off; i < off + len; i++) {
            canonicalizer.write(b[i], buffer);
        }
    }

    /** Ends the body and returns its SHA-256 hash; the same value on every later call. */
    public byte[] digest() {
        if (digest == null) {
            canonicalizer.finish(buffer);
            buffer.drain();
            digest = sha256.digest();
        }
        return digest.clone();
    }

    /** Collects canonical bytes into blocks, so the digest is updated per block rather than per byte. */
    private final class Buffer implements BodyCanonicalizer.Out {
        private final byte[] block = new byte[8192];
        private int used;

        @Override
        public void write(byte b) {
            if (used == block.length) {
                drain();
            }
            block[used++] = b;
        }

        @Override
        public void write(byte[] b) {
            for (byte x : b) {
                write(x);
            }
        }

        void drain() {
            sha256.update(block, 0, used);
            used = 0;
        }
    }
}
