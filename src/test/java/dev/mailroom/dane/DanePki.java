package dev.mailroom.dane;

import java.math.BigInteger;
import java.net.Socket;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for DANE tests, made with Bouncy Castle: CAs, leaves with chosen names and dates, TLSA data. */
public final class DanePki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private DanePki() {
    }

    /** A certificate with its key. */
    public record Issued(KeyPair keys, X509Certificate cert) {
    }

    public static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A self-signed CA certificate, valid from an hour ago for 30 days. */
    public static Issued ca(String cn) throws Exception {
        KeyPair k = keys();
        return new Issued(k, build(k, cn, k.getPrivate(), cn(cn), true, now(-1), now(24 * 30)));
    }

    /** An intermediate CA under {@code issuer}. */
    public static Issued intermediate(String cn, Issued issuer) throws Exception {
        KeyPair k = keys();
        return new Issued(k, build(k, cn, issuer.keys().getPrivate(), subject(issuer), true, now(-1), now(24 * 30)));
    }

    /** A server certificate under {@code issuer} naming {@code dnsNames} (the first also as CN), currently valid. */
    public static Issued leaf(Issued issuer, String... dnsNames) throws Exception {
        return leaf(issuer, now(-1), now(24 * 30), dnsNames);
    }

    public static Issued leaf(Issued issuer, Instant notBefore, Instant notAfter, String... dnsNames) throws Exception {
        KeyPair k = keys();
        return new Issued(k, build(k, dnsNames[0], issuer.keys().getPrivate(), subject(issuer), false, notBefore,
                notAfter, dnsNames));
    }

    /** A self-signed server certificate (not a CA) with these names and dates. */
    public static Issued selfSigned(Instant notBefore, Instant notAfter, String... dnsNames) throws Exception {
        KeyPair k = keys();
        return new Issued(k, build(k, dnsNames[0], k.getPrivate(), cn(dnsNames[0]), false, notBefore, notAfter,
                dnsNames));
    }

    public static Instant now(long plusHours) {
        return Instant.now().plus(Duration.ofHours(plusHours));
    }

    private static X500Name subject(Issued issuer) {
        return X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
    }

    private static X500Name cn(String cn) {
        return new X500Name("CN=" + cn);
    }

    private static X509Certificate build(KeyPair subjectKeys, String subjectCn, PrivateKey issuerKey, X500Name issuer,
                                         boolean isCa, Instant notBefore, Instant notAfter, String... dnsNames)
            throws Exception {
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + subjectCn), subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            if (dnsNames.length > 0) {
                GeneralName[] names = new GeneralName[dnsNames.length];
                for (int i = 0; i < dnsNames.length; i++) {
                    names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    /** The TLSA record for a certificate, computed independently of {@link TlsaRecord#matches}. */
    public static TlsaRecord tlsa(int usage, int selector, int matchingType, X509Certificate cert) throws Exception {
        byte[] selected = selector == 0 ? cert.getEncoded()
                : Certificate.getInstance(cert.getEncoded()).getSubjectPublicKeyInfo().getEncoded();
        byte[] data = switch (matchingType) {
            case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
            case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
            default -> selected;
        };
        return new TlsaRecord(usage, selector, matchingType, data);
    }

    /** The same as master-file text: {@code "3 1 1 <hex>"}. */
    public static String tlsaText(int usage, int selector, int matchingType, X509Certificate cert) throws Exception {
        TlsaRecord r = tlsa(usage, selector, matchingType, cert);
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(r.data());
    }

    /**
     * A server-side TLS context presenting {@code chain} (server certificate first) with {@code key}, whose key
     * manager records the SNI host names clients send (RFC 6066 section 3) in {@code sniSeen}.
     */
    public static SSLContext server(PrivateKey key, List<String> sniSeen, X509Certificate... chain) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        X509ExtendedKeyManager delegate = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {new SniRecorder(delegate, sniSeen)}, null, null);
        return ctx;
    }

    /** Records the SNI of each handshake when the server picks its certificate, then lets the JDK's manager pick. */
    private static final class SniRecorder extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager delegate;
        private final List<String> seen;

        SniRecorder(X509ExtendedKeyManager delegate, List<String> seen) {
            this.delegate = delegate;
            this.seen = seen;
        }

        private void record(SSLSession session) {
            if (session instanceof ExtendedSSLSession extended) {
                List<SNIServerName> names = extended.getRequestedServerNames();
                if (names.isEmpty()) {
                    seen.add("");
                }
                for (SNIServerName n : names) {
                    seen.add(n instanceof SNIHostName h ? h.getAsciiName() : n.toString());
                }
            }
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            if (socket instanceof SSLSocket ssl) {
                record(ssl.getHandshakeSession());
            }
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            record(engine.getHandshakeSession());
            return delegate.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }

    public static List<String> recorder() {
        return new CopyOnWriteArrayList<>();
    }
}
