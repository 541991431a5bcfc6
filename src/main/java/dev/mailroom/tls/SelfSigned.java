package dev.mailroom.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Generates the embedded default key and self-signed certificate and writes them as PEM files. */
final class SelfSigned {
    private static final Logger log = LoggerFactory.getLogger(SelfSigned.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<PosixFilePermission> KEY_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERT_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private SelfSigned() {
    }

    static void generate(Path certFile, Path keyFile, String hostname) throws TlsConfigException {
        KeyPair pair;
        X509Certificate cert;
        try {
            // P-256: small, fast, and accepted by every TLS 1.2+ client we expect (RFC 8422, RFC 8446 mandatory).
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            pair = gen.generateKeyPair();
            cert = certificate(pair, hostname);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new TlsConfigException(certFile, "cannot generate self-signed certificate: " + e.getMessage(), e);
        }
        try {
            Files.createDirectories(certFile.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new TlsConfigException(certFile.getParent(), "cannot create directory: " + e.getMessage(), e);
        }
        // Key first, certificate last: a crash in between leaves a key without a certificate, which
        // ServerTls.selfSigned treats as "generation never finished" and simply redoes.
        writeAtomically(keyFile, KEY_MODE, w -> w.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null)));
        writeAtomically(certFile, CERT_MODE, w -> w.writeObject(cert));
        log.info("Generated self-signed TLS certificate for {} in {} (EC P-256 key, valid until {})",
                hostname, certFile, cert.getNotAfter().toInstant());
    }

    private static X509Certificate certificate(KeyPair pair, String hostname)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, hostname)
                .addRDN(BCStyle.O, "Mailroom self-signed")
                .build();
        // Backdate an hour so a client whose clock is a little behind does not reject a fresh certificate.
        Instant now = Instant.now();
        Date notBefore = Date.from(now.minus(Duration.ofHours(1)));
        Date notAfter = Date.from(now.atOffset(ZoneOffset.UTC).plusYears(10).toInstant());
        // 159 random bits: positive, at most 20 octets (RFC 5280 section 4.1.2.2), and unguessable.
        BigInteger serial = new BigInteger(159, new SecureRandom());

        List<GeneralName> names = new ArrayList<>();
        names.add(isIpLiteral(hostname) ? new GeneralName(GeneralName.iPAddress, hostname)
                : new GeneralName(GeneralName.dNSName, hostname));
        if (!hostname.equalsIgnoreCase("localhost")) {
            names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        }
        if (!hostname.equals("127.0.0.1")) {
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }

        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial, notBefore, notAfter, name,
                pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        ext.createSubjectKeyIdentifier(pair.getPublic()));
        // No setProvider(): sign with the JDK's own providers, so BC never has to be a registered JCA provider.
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    private interface PemBody {
        void write(JcaPEMWriter w) throws IOException;
    }

    /**
     * Writes to a temporary file in the same directory and renames it over the target, so a reader (or a crash)
     * never sees half a file. The temporary file is created with the final mode, so the private key is never
     * readable by others even for a moment.
     */
    private static void writeAtomically(Path target, Set<PosixFilePermission> mode, PemBody body)
            throws TlsConfigException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path tmp = null;
        try {
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)}
                    : new FileAttribute<?>[0];
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch);
                 Writer writer = new OutputStreamWriter(out, StandardCharsets.US_ASCII);
                 JcaPEMWriter pem = new JcaPEMWriter(writer)) {
                body.write(pem);
                pem.flush();
                ch.force(true);
            }
            if (posix) {
                // The umask may have narrowed the mode given at creation; set it exactly.
                Files.setPosixFilePermissions(tmp, mode);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new TlsConfigException(target, "cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort; the write error already reported is the one that matters
                }
            }
        }
    }
}
