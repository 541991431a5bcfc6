package dev.mailroom.sts;

import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of the test's own (Bouncy Castle), whose PEM Mailroom is told to trust: server
 * certificates for given names, expired ones, and self-signed ones it did not issue.
 */
public final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private final KeyPair key;
    private final X509Certificate certificate;

    private TestCa(KeyPair key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    public static TestCa create(String name) throws Exception {
        KeyPair k = ec();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestCa(k, sign(b, k.getPrivate()));
    }

    /** Writes the CA certificate as PEM (for {@code trusted_ca}). */
    public Path writePem(Path file) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(certificate);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, w.toString());
    }

    /** A server context with a certificate from this CA for these names (DNS names, or IP addresses). */
    public SSLContext server(String... names) throws Exception {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)), names);
    }

    /** A certificate from this CA that expired yesterday. */
    public SSLContext expired(String... names) throws Exception {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)), names);
    }

    /** A self-signed certificate for these names: no trusted CA issued it. */
    public static SSLContext selfSigned(String... names) throws Exception {
        KeyPair k = ec();
        X500Name subject = new X500Name("CN=" + names[0]);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, k.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, sans(names));
        return context(k, sign(b, k.getPrivate()));
    }

    private SSLContext issue(Instant from, Instant to, String... names) throws Exception {
        KeyPair k = ec();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(certificate.getSubjectX500Principal()
                .getName()), serial(), Date.from(from), Date.from(to), new X500Name("CN=" + names[0]), k.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, sans(names));
        return context(k, sign(b, key.getPrivate()), certificate);
    }

    private static GeneralNames sans(String... names) throws Exception {
        List<GeneralName> out = new ArrayList<>();
        for (String n : names) {
            boolean ip = n.matches("[0-9.]+");
            out.add(ip ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(n).getHostAddress())
                    : new GeneralName(GeneralName.dNSName, n));
        }
        return new GeneralNames(out.toArray(GeneralName[]::new));
    }

    private static SSLContext context(KeyPair k, X509Certificate... chain) throws Exception {
        char[] pw = "test".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", k.getPrivate(), pw, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(signer)));
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }
}
