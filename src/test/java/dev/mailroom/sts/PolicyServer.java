package dev.mailroom.sts;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS server on 127.0.0.1 that plays the {@code mta-sts.DOMAIN} hosts: each Host name gets the response set
 * for it, and requests are counted per host.
 */
public final class PolicyServer implements AutoCloseable {

    /** What one host answers at /.well-known/mta-sts.txt. */
    public record Response(int status, String contentType, String body, boolean chunked) {
        public static Response policy(String body) {
            return new Response(200, "text/plain; charset=utf-8", body, false);
        }
    }

    private final HttpsServer server;
    private final Map<String, Response> responses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    private PolicyServer(HttpsServer server) {
        this.server = server;
    }

    public static PolicyServer start(SSLContext tls) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.setHttpsConfigurator(new HttpsConfigurator(tls));
        PolicyServer ps = new PolicyServer(s);
        s.createContext("/", exchange -> {
            String host = exchange.getRequestHeaders().getFirst("Host").replaceAll(":\\d+$", "").toLowerCase(Locale.ROOT);
            ps.requests.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            Response r = ps.responses.get(host);
            if (r == null || !exchange.getRequestURI().getPath().equals("/.well-known/mta-sts.txt")) {
                r = new Response(404, "text/plain", "not found\n", false);
            }
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", r.contentType());
            if (r.status() / 100 == 3) {
                exchange.getResponseHeaders().set("Location", "https://elsewhere.test/policy.txt");
            }
            exchange.sendResponseHeaders(r.status(), r.chunked() ? 0 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        return ps;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public PolicyServer serve(String host, Response response) {
        responses.put(host, response);
        return this;
    }

    public int requests(String host) {
        AtomicInteger n = requests.get(host);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
