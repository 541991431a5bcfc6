package dev.mailroom.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Server-side TLS for the SMTP listeners: TLS 1.2 and 1.3 only (RFC 8314 section 4, RFC 8996), a certificate chain
 * and key from PEM files, reloaded without restart when the files change.
 *
 * <p>Certificates get renewed (ACME clients rewrite the files every 60 days or so) while connections keep arriving;
 * a restart would drop sessions in flight, so {@link #context()} notices changed files and swaps the context for new
 * handshakes only. Sessions already established keep the key they negotiated with.
 *
 * <p>Cipher suites: the JDK's defaults for TLS 1.3 (all of which have forward secrecy) and, for TLS 1.2, only the
 * ECDHE and DHE ones. RFC 7525 / BCP 195 (RFC 9325 section 4.1) says not to negotiate static-RSA key transport:
 * a leaked server key would otherwise decrypt every recorded past session, and mail is long-lived and often
 * recorded. CBC suites with ECDHE stay enabled because some old mail clients offer nothing else, and a
 * submission server that refuses them pushes those users to plaintext, which is worse.
 *
 * <p>SNI is never required and never checked against the certificate (RFC 8314 section 4.4, TLS-15): there is a
 * single certificate and it is served whatever name, if any, the client sends.
 */
public final class ServerTls {

    /**
     * Stateless TLS session tickets make the JDK encrypt the whole session state into a ticket after every
     * handshake; the benchmark measured that at about a fifth of the server's CPU for clients that send one
     * message per connection. Resumption still works through the server's session cache, which is bounded
     * below. Set before any TLS class reads it; an operator's own -D setting wins.
     */
    static {
        if (System.getProperty("jdk.tls.server.enableSessionTicketExtension") == null) {
            System.setProperty("jdk.tls.server.enableSessionTicketExtension", "false");
        }
    }

    private static final int SESSION_CACHE_SIZE = 5000;
    private static final int SESSION_TIMEOUT_SECONDS = 3600;
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** RFC 8996 forbids TLS 1.0 and 1.1; order is preference order. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(5);

    // The PKCS12 store only lives in memory to hand the key to KeyManagerFactory; the password protects nothing.
    private static final char[] STORE_PASSWORD = "mailroom".toCharArray();
    private static final String ALIAS = "server";

    private final Path certFile;
    private final Path keyFile;
    private final long checkIntervalNanos;
    private final LongSupplier nanoClock;
    private final ReentrantLock reloadLock = new ReentrantLock();

    private volatile Loaded current;
    private volatile long nextCheckNanos;
    /** Files state we last tried and failed to load; remembered so a broken file is logged once, not every 5 s. */
    private Fingerprint lastFailed; // guarded by reloadLock

    private ServerTls(Path certFile, Path keyFile, Duration checkInterval, LongSupplier nanoClock)
            throws TlsConfigException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.nanoClock = nanoClock;
        this.current = load(certFile, keyFile);
        this.nextCheckNanos = nanoClock.getAsLong() + checkIntervalNanos;
    }

    /**
     * Loads and validates now: both files readable, the chain parses, the key matches the first certificate's public
     * key. The message of the exception names the file and the reason.
     */
    public static ServerTls fromPem(Path certificateChainPem, Path privateKeyPem) throws TlsConfigException {
        return fromPem(certificateChainPem, privateKeyPem, DEFAULT_CHECK_INTERVAL, System::nanoTime);
    }

    /** As {@link #fromPem(Path, Path)}, with the file-change check interval and clock injectable for tests. */
    static ServerTls fromPem(Path certificateChainPem, Path privateKeyPem, Duration checkInterval,
                             LongSupplier nanoClock) throws TlsConfigException {
        Objects.requireNonNull(certificateChainPem, "certificateChainPem");
        Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        return new ServerTls(certificateChainPem, privateKeyPem, checkInterval, nanoClock);
    }

    /**
     * For the embedded default only: uses {@code directory/cert.pem} and {@code directory/key.pem}, generating an
     * EC P-256 key and a 10-year self-signed certificate for {@code hostname}, "localhost" and 127.0.0.1 the first
     * time. Later calls load the same files, so clients that pinned the certificate keep working across restarts.
     */
    public static ServerTls selfSigned(Path directory, String hostname) throws TlsConfigException {
        Objects.requireNonNull(directory, "directory");
        if (hostname == null || hostname.isBlank()) {
            throw new IllegalArgumentException("hostname must not be blank");
        }
        Path cert = directory.resolve("cert.pem");
        Path key = directory.resolve("key.pem");
        boolean haveCert = Files.exists(cert);
        boolean haveKey = Files.exists(key);
        if (haveCert && !haveKey) {
            // Never overwrite a certificate someone may have put there on purpose; make them decide.
            throw new TlsConfigException(key, "file not found, but " + cert.getFileName()
                    + " exists; remove both to have a new self-signed pair generated");
        }
        if (!haveCert) {
            // A key without a certificate is what an interrupted generation leaves (the key is written first),
            // so generating again, overwriting the key, is the right recovery.
            SelfSigned.generate(cert, key, hostname.strip());
        }
        return fromPem(cert, key);
    }

    /**
     * Server-mode TLS over an already-connected socket, for STARTTLS and for implicit TLS on port 465. Bytes that
     * the caller has already buffered from {@code plain} are deliberately not replayed into the TLS layer: plaintext
     * pipelined after STARTTLS must be discarded (RFC 3207 section 4.2, CVE-2011-0411), and the SMTP engine relies
     * on this. The handshake starts on first I/O or when the caller calls {@link SSLSocket#startHandshake()}.
     * Closing the returned socket closes {@code plain}.
     */
    public SSLSocket wrapAccepted(Socket plain) throws IOException {
        Loaded l = state();
        // The (Socket, InputStream, boolean) variant is the one that creates a server-mode socket; a null
        // "consumed" stream means: start with an empty input buffer.
        SSLSocket s = (SSLSocket) l.context.getSocketFactory().createSocket(plain, null, true);
        s.setSSLParameters(parameters(l));
        return s;
    }

    /**
     * The current context, reloaded if the PEM files changed (checked at most once per interval). A changed file
     * that fails to load is logged and the previous context kept, so a botched renewal does not take TLS down.
     * Sockets or engines made from it directly must be given {@link #serverParameters()}; {@link #wrapAccepted}
     * does that itself.
     */
    public SSLContext context() {
        return state().context;
    }

    /**
     * Protocols (TLS 1.3 and 1.2), forward-secret cipher suites and server cipher order for a server socket or
     * engine made from {@link #context()}. A fresh copy each call, since SSLParameters is mutable.
     */
    public SSLParameters serverParameters() {
        return parameters(state());
    }

    /** Reloads both files now, whatever their modification times. On failure the previous context stays. */
    public void reloadNow() throws TlsConfigException {
        reloadLock.lock();
        try {
            current = load(certFile, keyFile);
            lastFailed = null;
            nextCheckNanos = nanoClock.getAsLong() + checkIntervalNanos;
            log.info("Reloaded TLS certificate {} from {}", describe(current.certificate), certFile);
        } finally {
            reloadLock.unlock();
        }
    }

    /** The leaf certificate currently served. */
    public X509Certificate certificate() {
        return state().certificate;
    }

    private Loaded state() {
        long now = nanoClock.getAsLong();
        if (now - nextCheckNanos >= 0) {
            maybeReload(now);
        }
        return current;
    }

    private void maybeReload(long now) {
        // tryLock: if another thread is already checking, serve the current context instead of stalling a
        // handshake behind file I/O.
        if (!reloadLock.tryLock()) {
            return;
        }
        try {
            if (now - nextCheckNanos < 0) {
                return;
            }
            nextCheckNanos = now + checkIntervalNanos;
            Fingerprint seen = Fingerprint.of(certFile, keyFile);
            if (seen.equals(current.fingerprint) || seen.equals(lastFailed)) {
                return;
            }
            try {
                current = load(certFile, keyFile);
                lastFailed = null;
                log.info("TLS files changed; now serving certificate {}", describe(current.certificate));
            } catch (TlsConfigException e) {
                // A renewal tool may write the certificate and the key one after the other: the state in between is
                // a mismatch. Remembering it avoids repeating the message; the next write changes the fingerprint
                // and we try again.
                lastFailed = seen;
                log.error("TLS files changed but cannot be loaded, keeping the previous certificate: {}",
                        e.getMessage());
            }
        } finally {
            reloadLock.unlock();
        }
    }

    private static SSLParameters parameters(Loaded l) {
        SSLParameters p = l.context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS.clone());
        p.setCipherSuites(l.cipherSuites.clone());
        // Our list is ordered by the JDK's strength preference; honour it rather than a client's odd ordering.
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        if (l.nativeCrypto()) {
            // X25519 first: it is what OpenSSL, NSS and Go clients send their one key share for, so offering it
            // saves them a HelloRetryRequest round trip and a second key generation (measured with bench/ab:
            // about 0.1 ms of client CPU per connection). The JDK's X25519 is pure Java, but once the JIT has
            // compiled it, a whole server handshake costs about the same with it as with native P-256
            // (0.15-0.2 ms). P-256/P-384 stay for clients that prefer them; they run natively.
            p.setNamedGroups(NATIVE_GROUPS.clone());
        }
        return p;
    }

    private static final String[] NATIVE_GROUPS = {"x25519", "secp256r1", "secp384r1"};

    private record Loaded(SSLContext context, X509Certificate certificate, String[] cipherSuites,
                          Fingerprint fingerprint, boolean nativeCrypto) {
    }

    private record FileState(FileTime modified, long size, Object fileKey) {
        static FileState of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                // Size and inode as well as mtime: a replace by rename within the mtime granularity still changes
                // the inode, and an in-place rewrite usually changes the size.
                return new FileState(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                return new FileState(null, -1, null);
            }
        }
    }

    private record Fingerprint(FileState cert, FileState key) {
        static Fingerprint of(Path cert, Path key) {
            return new Fingerprint(FileState.of(cert), FileState.of(key));
        }
    }

    private static Loaded load(Path certFile, Path keyFile) throws TlsConfigException {
        // Taken before reading: if a file changes while we read it, the next check sees a difference and reloads.
        Fingerprint fingerprint = Fingerprint.of(certFile, keyFile);
        List<X509Certificate> chain = PemFiles.readCertificates(certFile);
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        X509Certificate leaf = chain.getFirst();
        checkKeyMatches(key, leaf.getPublicKey(), keyFile, certFile);
        warnAboutChain(chain, certFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
            // PKIX rather than the legacy SunX509 manager: it applies the JDK's algorithm constraints when choosing
            // a key. With a single entry it still returns that entry for any SNI name or none (TLS-15).
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(store, STORE_PASSWORD);
            X509ExtendedKeyManager chooser = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {new InMemoryKeyManager(chooser, key, chain.toArray(X509Certificate[]::new))},
                    null, null);
            // Sessions for resumption are kept server-side (see the class's static block): bounded.
            ctx.getServerSessionContext().setSessionCacheSize(SESSION_CACHE_SIZE);
            ctx.getServerSessionContext().setSessionTimeout(SESSION_TIMEOUT_SECONDS);
            return new Loaded(ctx, leaf, forwardSecretSuites(ctx), fingerprint, NativeCrypto.isActive());
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException(keyFile, "cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /** The context's default suites, keeping TLS 1.3 ones and the ECDHE/DHE ones of TLS 1.2 (see class doc). */
    static String[] forwardSecretSuites(SSLContext ctx) {
        return Arrays.stream(ctx.getDefaultSSLParameters().getCipherSuites())
                .filter(ServerTls::isForwardSecret)
                .toArray(String[]::new);
    }

    static boolean isForwardSecret(String suite) {
        // TLS 1.3 suites name no key exchange because it is always (EC)DHE.
        boolean tls13 = !suite.contains("_WITH_") && (suite.startsWith("TLS_AES_")
                || suite.startsWith("TLS_CHACHA20_"));
        boolean ephemeral = suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
        // The renegotiation SCSV is a signal, not a suite; it is kept so secure renegotiation stays advertised.
        return tls13 || ephemeral || suite.equals("TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    }

    /**
     * Proves the key belongs to the certificate by signing a random challenge and verifying it with the
     * certificate's public key. This works the same for every key type, unlike comparing key encodings.
     */
    private static void checkKeyMatches(PrivateKey key, PublicKey certKey, Path keyFile, Path certFile)
            throws TlsConfigException {
        String mismatch = "private key does not match the public key of the first certificate in " + certFile;
        try {
            Signature signer = signatureFor(key.getAlgorithm());
            if (signer == null) {
                throw new TlsConfigException(keyFile, "unsupported private key algorithm " + key.getAlgorithm()
                        + " (use RSA, EC or Ed25519)");
            }
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = signatureFor(key.getAlgorithm());
            verifier.initVerify(certKey);
            verifier.update(challenge);
            if (!verifier.verify(sig)) {
                throw new TlsConfigException(keyFile, mismatch);
            }
        } catch (InvalidKeyException | SignatureException e) {
            // Typically an RSA key against an EC certificate or the reverse.
            throw new TlsConfigException(keyFile, mismatch + " (" + key.getAlgorithm() + " key, "
                    + certKey.getAlgorithm() + " certificate)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(keyFile, "cannot check the private key: " + e.getMessage(), e);
        }
    }

    private static Signature signatureFor(String keyAlgorithm) throws GeneralSecurityException {
        return switch (keyAlgorithm) {
            case "RSA" -> Signature.getInstance("SHA256withRSA");
            case "EC" -> Signature.getInstance("SHA256withECDSA");
            case "EdDSA", "Ed25519", "Ed448" -> Signature.getInstance("EdDSA");
            case "RSASSA-PSS" -> {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield s;
            }
            default -> null;
        };
    }

    /** Problems a client will reject, but which should not stop the server from starting: log them loudly. */
    private static void warnAboutChain(List<X509Certificate> chain, Path certFile) {
        X509Certificate leaf = chain.getFirst();
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            log.warn("{}: certificate {} expired on {}", certFile, describe(leaf), leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            log.warn("{}: certificate {} is not valid before {}", certFile, describe(leaf),
                    leaf.getNotBefore().toInstant());
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                log.warn("{}: certificate {} is followed by {} which did not issue it; "
                        + "the chain should be leaf first, then each issuer", certFile,
                        describe(chain.get(i)), describe(chain.get(i + 1)));
            }
        }
    }

    private static String describe(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "' (expires " + c.getNotAfter().toInstant() + ")";
    }
}
