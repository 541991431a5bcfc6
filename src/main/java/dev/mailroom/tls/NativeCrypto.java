package dev.mailroom.tls;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional native cryptography under the JDK's TLS stack: Amazon Corretto Crypto Provider (AWS-LC) put first
 * in the provider list, so that SunJSSE's ECDHE, ECDSA signatures, HKDF/HMAC, SHA-2 and AES-GCM run natively.
 * The TLS protocol itself stays the JDK's. The benchmark measured a TLS handshake at about half the server's
 * CPU with the JDK's pure-Java elliptic curves; with this provider the authenticated one-message-per-connection
 * load runs about a third faster.
 *
 * <p>When the native library cannot be loaded (another CPU or operating system) nothing changes: Mailroom
 * runs on the JDK's providers, and says so in the log.
 */
public final class NativeCrypto {
    private static final Logger LOG = LoggerFactory.getLogger(NativeCrypto.class);

    private NativeCrypto() {
    }

    /** Installs the provider first in the list if it works here; returns whether it is active. */
    public static synchronized boolean enable() {
        if (isActive()) {
            return true;
        }
        try {
            AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
            if (provider.getLoadingError() != null) {
                LOG.info("native crypto unavailable, using the JDK's providers: {}", provider.getLoadingError().toString());
                return false;
            }
            provider.assertHealthy(); // its self-tests passed
            Security.insertProviderAt(provider, 1);
            LOG.info("native crypto active: {}", provider.getVersionStr());
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.info("native crypto unavailable, using the JDK's providers: {}", e.toString());
            return false;
        }
    }

    /** True when the native provider is first in the list, so that TLS uses it. */
    public static boolean isActive() {
        Provider[] providers = Security.getProviders();
        return providers.length > 0 && providers[0].getName().startsWith("AmazonCorrettoCryptoProvider");
    }
}
