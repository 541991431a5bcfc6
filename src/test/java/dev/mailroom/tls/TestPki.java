package dev.mailroom.tls;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Test certificates and keys made with Bouncy Castle over the JDK providers, as the production code does. */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private TestPki() {
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A self-signed server certificate with the given DNS names as SANs (first one also the CN). */
    static X509Certificate selfSigned(KeyPair pair, String... dnsNames) throws Exception {
        return issue(pair, new X500Name("CN=" + dnsNames[0]), pair.getPrivate(), new X500Name("CN=" + dnsNames[0]),
                false, dnsNames);
    }

    static X509Certificate ca(KeyPair pair, String cn) throws Exception {
        return issue(pair, new X500Name("CN=" + cn), pair.getPrivate(), new X500Name("CN=" + cn), true);
    }

    static X509Certificate leafSignedBy(KeyPair leaf, X509Certificate ca, PrivateKey caKey, String... dnsNames)
            throws Exception {
        return issue(leaf, new X500Name("CN=" + dnsNames[0]), caKey,
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), false, dnsNames);
    }

    private static X509Certificate issue(KeyPair subjectKeys, X500Name subject, PrivateKey issuerKey,
                                         X500Name issuer, boolean isCa, String... dnsNames) throws Exception {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
                subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        String alg = issuerKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg)
                .build(issuerKey)));
    }

    static String pem(Object... objects) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        }
        return out.toString();
    }

    /** "BEGIN PRIVATE KEY". */
    static String pkcs8(PrivateKey key) throws IOException {
        return pem(new JcaPKCS8Generator(key, null));
    }

    /** "BEGIN RSA PRIVATE KEY" (PKCS#1) for RSA, "BEGIN EC PRIVATE KEY" (SEC1, as OpenSSL writes it) for EC. */
    static String traditional(KeyPair pair) throws IOException {
        if (!pair.getPrivate().getAlgorithm().equals("EC")) {
            return pem(pair.getPrivate());
        }
        // JcaPEMWriter copies the JDK's inner EC structure, which leaves out the curve (the JDK keeps it in the
        // PKCS#8 algorithm identifier), and nothing can read such a file. Build the SEC1 structure as OpenSSL does:
        // curve OID and public key included.
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
        SubjectPublicKeyInfo pub = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        BigInteger d = ((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS();
        byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, pub.getPublicKeyData(), curve).getEncoded();
        return pem(new PemObject("EC PRIVATE KEY", der));
    }

    /**
     * OpenSSL's legacy encrypted form ("Proc-Type: 4,ENCRYPTED"). The body is random: the parser recognises the
     * headers without decrypting, and the JDK lacks the OpenSSL key derivation BC would need to encrypt for real.
     */
    static String encryptedTraditional() {
        byte[] body = new byte[1200];
        new java.security.SecureRandom().nextBytes(body);
        return "-----BEGIN RSA PRIVATE KEY-----\n"
                + "Proc-Type: 4,ENCRYPTED\n"
                + "DEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(body)
                + "\n-----END RSA PRIVATE KEY-----\n";
    }

    static Path write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    /** Replaces a file the way renewal tools do: write a sibling, rename over the original. */
    static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes cert.pem (the chain) and key.pem (PKCS#8) into dir. */
    static List<Path> writePair(Path dir, KeyPair pair, X509Certificate... chain) throws IOException {
        Path cert = write(dir.resolve("cert.pem"), pem((Object[]) chain));
        Path key = write(dir.resolve("key.pem"), pkcs8(pair.getPrivate()));
        return List.of(cert, key);
    }
}
