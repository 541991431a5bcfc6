package dev.mailroom.tls;

import javax.net.ssl.SSLSession;

/** Small helpers to describe a TLS session in logs and trace headers. */
public final class TlsInfo {
    private TlsInfo() {
    }

    /**
     * One line such as {@code "TLSv1.3 TLS_AES_256_GCM_SHA384"}. The JDK already reports the IANA cipher suite name,
     * which is what RFC 8314 section 4.3 asks the Received header to carry, so no mapping is needed.
     */
    public static String describe(SSLSession s) {
        if (s == null) {
            return "none";
        }
        return s.getProtocol() + " " + s.getCipherSuite();
    }
}
