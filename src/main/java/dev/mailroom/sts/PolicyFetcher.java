package dev.mailroom.sts;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.UnroutableException;
import dev.mailroom.tls.CertificateCheck;
import dev.mailroom.tls.CertificateRejectedException;
import dev.mailroom.tlsrpt.ResultType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * Fetches {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} as RFC 8461 section 3.3 asks: the certificate
 * must be valid for {@code mta-sts.DOMAIN} (Web PKI, the same check as for MX hosts), redirects are not followed,
 * only 200 counts, the media type must be text/plain, and no HTTP cache is involved. The body is capped at 64 KiB
 * and every step has a short time limit, so a slow or hostile policy host cannot hold a delivery worker.
 *
 * <p>The request is written by hand over a JDK {@link SSLSocket} rather than sent with {@code java.net.http}: the
 * name {@code mta-sts.DOMAIN} must be resolved by the same resolvers as the MX records ({@code [dns] resolvers},
 * later DNSSEC-validating), and the JDK's HTTP client can only use the JVM-wide resolver. One GET with
 * {@code Connection: close} is all that is needed.
 */
public final class PolicyFetcher {
    /** The largest policy accepted: policies are a few hundred octets. */
    public static final int MAX_POLICY_OCTETS = 64 * 1024;
    static final String PATH = "/.well-known/mta-sts.txt";

    private final MxResolver dns;
    private final CertificateCheck webPki;
    private final int port;
    private final Duration timeout;

    /** What a fetch gave. */
    public sealed interface Result {
        record Fetched(StsPolicy policy) implements Result {
        }

        /** @param type sts-policy-fetch-error, sts-policy-invalid or sts-webpki-invalid (RFC 8460 section 4.3.2) */
        record Failed(ResultType type, String reason) implements Result {
        }
    }

    /**
     * @param port    443; another port only for tests ({@code [delivery] mta_sts_port})
     * @param timeout for connecting, the handshake and each read; the whole fetch takes at most about twice this
     */
    public PolicyFetcher(MxResolver dns, CertificateCheck webPki, int port, Duration timeout) {
        this.dns = dns;
        this.webPki = webPki;
        this.port = port;
        this.timeout = timeout;
    }

    public Result fetch(String domain) {
        String host = "mta-sts." + domain;
        List<InetAddress> addresses;
        try {
            addresses = dns.addresses(host);
        } catch (UnroutableException e) {
            return new Result.Failed(ResultType.STS_POLICY_FETCH_ERROR, e.failure().failureReply().lines().getFirst());
        }
        Result.Failed last = null;
        for (InetAddress address : addresses) {
            try {
                return get(new InetSocketAddress(address, port), host);
            } catch (IOException e) {
                CertificateRejectedException rejected = CertificateRejectedException.in(e);
                if (rejected != null) {
                    return new Result.Failed(ResultType.STS_WEBPKI_INVALID, host + ": " + rejected.getMessage());
                }
                last = new Result.Failed(ResultType.STS_POLICY_FETCH_ERROR, host + " [" + address.getHostAddress()
                        + "]: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        return last;
    }

    private Result get(InetSocketAddress address, String host) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos() * 2;
        Socket plain = new Socket();
        try {
            plain.connect(address, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            try (SSLSocket tls = webPki.handshake(plain, host, address.getPort())) {
                OutputStream out = tls.getOutputStream();
                String authority = address.getPort() == 443 ? host : host + ":" + address.getPort();
                out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + authority + "\r\nUser-Agent: Mailroom\r\n"
                        + "Accept: text/plain\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                HttpResponse response;
                try {
                    response = HttpResponse.read(new Deadline(new java.io.BufferedInputStream(tls.getInputStream()), deadline),
                            MAX_POLICY_OCTETS);
                } catch (HttpResponse.TooLargeException e) {
                    return new Result.Failed(ResultType.STS_POLICY_FETCH_ERROR, host + ": " + e.getMessage());
                }
                return judge(host, response);
            }
        } finally {
            plain.close();
        }
    }

    private static Result judge(String host, HttpResponse response) {
        if (response.status() != 200) {
            // RFC 8461 section 3.3: a 3xx is not followed, and anything but 200 is no policy.
            String where = response.headers().containsKey("location") ? " (redirect not followed)" : "";
            return new Result.Failed(ResultType.STS_POLICY_FETCH_ERROR, host + ": HTTP " + response.status() + where);
        }
        if (!response.mediaType().equals("text/plain")) {
            return new Result.Failed(ResultType.STS_POLICY_FETCH_ERROR, host + ": media type is \""
                    + response.mediaType() + "\", not text/plain");
        }
        String body;
        try {
            body = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(response.body())).toString();
        } catch (CharacterCodingException e) {
            return new Result.Failed(ResultType.STS_POLICY_INVALID, host + ": the policy is not UTF-8 text");
        }
        try {
            return new Result.Fetched(StsPolicy.parse(body));
        } catch (StsPolicyException e) {
            return new Result.Failed(ResultType.STS_POLICY_INVALID, host + ": " + e.getMessage());
        }
    }

    /** Ends a response that drips in too slowly: each read is bounded by the socket timeout, the sum by this. */
    private static final class Deadline extends java.io.FilterInputStream {
        private final long deadline;

        Deadline(InputStream in, long deadline) {
            super(in);
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            check();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return super.read(b, off, len);
        }

        private void check() throws IOException {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the policy host took too long");
            }
        }
    }
}
