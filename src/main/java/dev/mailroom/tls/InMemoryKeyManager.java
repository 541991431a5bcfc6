package dev.mailroom.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's one key and chain, held in memory. The JDK's PKIX key manager chooses the alias (so its
 * algorithm constraints still apply), but it reads the key back out of its PKCS12 key store on every
 * handshake, and that means a PBKDF2 run each time: the benchmark found it was half of the server's CPU
 * for one-message-per-connection clients. Handing out the key we already hold removes that cost.
 */
final class InMemoryKeyManager extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager chooser;
    private final PrivateKey key;
    private final X509Certificate[] chain;

    InMemoryKeyManager(X509ExtendedKeyManager chooser, PrivateKey key, X509Certificate[] chain) {
        this.chooser = chooser;
        this.key = key;
        this.chain = chain.clone();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chooser.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chooser.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return chooser.getServerAliases(keyType, issuers);
    }

    /** There is exactly one entry, so whatever alias the chooser picked names it. */
    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return alias == null ? null : chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return alias == null ? null : key;
    }

    // A server presents no client certificate.

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
