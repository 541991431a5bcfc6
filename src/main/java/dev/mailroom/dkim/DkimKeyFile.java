package dev.mailroom.dkim;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * DKIM private keys on disk: PEM, read with Bouncy Castle's parser into plain JDK keys (PKCS#8 "PRIVATE KEY", and
 * PKCS#1 "RSA PRIVATE KEY" as opendkim-genkey writes it), written as PKCS#8 with mode 0600.
 */
public final class DkimKeyFile {
    /** RFC 8301 section 3.2 (DKIM-03): signers MUST use at least 1024 bits. */
    public static final int MIN_RSA_BITS = 1024;
    /** RFC 8301 section 3.2: verifiers need handle no more than 4096 bits; a larger key may not verify anywhere. */
    public static final int MAX_RSA_BITS = 4096;
    /** RFC 8301 section 3.2: SHOULD use at least 2048 bits. */
    public static final int DEFAULT_RSA_BITS = 2048;

    private DkimKeyFile() {
    }

    /**
     * Reads the private key of a file and checks that it fits the algorithm.
     *
     * @throws KeyFileException naming the file and the reason (never the key)
     */
    public static PrivateKey read(Path file, DkimAlgorithm algorithm) throws KeyFileException {
        PrivateKeyInfo info = parse(file);
        checkPermissions(file);
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        DkimAlgorithm found;
        if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
            found = DkimAlgorithm.RSA_SHA256;
        } else if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
            found = DkimAlgorithm.ED25519_SHA256;
        } else {
            throw new KeyFileException(file + ": not an RSA or Ed25519 key (algorithm " + oid + ")");
        }
        if (found != algorithm) {
            throw new KeyFileException(file + ": holds " + found.keyType() + " key, not " + algorithm.keyType(), true);
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(found.jcaKeyAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new KeyFileException(file + ": damaged " + found.keyType() + " private key: " + reason(e));
        }
        if (key instanceof RSAPrivateKey rsa) {
            checkRsaBits(file + ": RSA key of", rsa.getModulus().bitLength());
        }
        return key;
    }

    /**
     * A key that every user of the machine can read (or replace) lets any of them sign as the domain: refused, as
     * OpenDKIM's RequireSafeKeys does. The group may read it (e.g. a mailroom group).
     */
    private static void checkPermissions(Path file) throws KeyFileException {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new KeyFileException(file + ": cannot read: " + reason(e));
        }
        if (mode.contains(PosixFilePermission.OTHERS_READ) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new KeyFileException(file + ": readable or writable by every user (mode "
                    + PosixFilePermissions.toString(mode) + "); chmod 600 it");
        }
    }

    /** RFC 8301 section 3.2 (DKIM-03). */
    public static void checkRsaBits(String what, int bits) throws KeyFileException {
        if (bits < MIN_RSA_BITS) {
            throw new KeyFileException(what + " " + bits + " bits; DKIM needs at least " + MIN_RSA_BITS
                    + " (RFC 8301 section 3.2), " + DEFAULT_RSA_BITS + " recommended");
        }
        if (bits > MAX_RSA_BITS) {
            throw new KeyFileException(what + " " + bits + " bits; verifiers need not accept more than "
                    + MAX_RSA_BITS + " (RFC 8301 section 3.2)");
        }
    }

    private static PrivateKeyInfo parse(Path file) throws KeyFileException {
        // ISO-8859-1 maps every byte: a binary file gives "no PEM private key" rather than a decoding error.
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                switch (o) {
                    case PrivateKeyInfo pkcs8 -> {
                        return pkcs8;
                    }
                    case PEMKeyPair pkcs1 -> {
                        return pkcs1.getPrivateKeyInfo();
                    }
                    case PEMEncryptedKeyPair ignored -> throw encrypted(file);
                    case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(file);
                    default -> {
                        // parameters or certificates beside the key are not errors
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file + ": no such file");
        } catch (IOException e) {
            throw new KeyFileException(file + ": cannot read: " + reason(e));
        }
        throw new KeyFileException(file + ": no PEM private key (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static KeyFileException encrypted(Path file) {
        // The server signs unattended: nobody is there to type a passphrase.
        return new KeyFileException(file + ": encrypted private keys are not supported; store it unencrypted, mode 0600");
    }

    /** A new key pair: RSA with {@code bits} (checked), or Ed25519 ({@code bits} ignored). */
    public static KeyPair generate(DkimAlgorithm algorithm, int bits) throws KeyFileException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jcaKeyAlgorithm());
            if (algorithm == DkimAlgorithm.RSA_SHA256) {
                checkRsaBits("RSA key of", bits);
                g.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new KeyFileException("cannot generate " + algorithm.keyType() + " key: " + reason(e));
        }
    }

    /**
     * Writes a private key as PKCS#8 PEM into a new file created with mode 0600 (never readable by others, not even
     * for a moment) and synced to disk.
     *
     * @throws FileAlreadyExistsException if the file exists: a key in use is never overwritten
     */
    public static void write(Path file, PrivateKey key) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            Writer w = Channels.newWriter(ch, StandardCharsets.US_ASCII);
            PemWriter pem = new PemWriter(w);
            pem.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
            pem.flush();
            ch.force(true);
        }
    }

    private static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
