package dev.mailroom.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin HTTP listener: /metrics (Prometheus text format), /health (the process runs) and /ready (why the
 * server cannot take mail, if it cannot). Plain HTTP, so it belongs on loopback or a management network.
 */
public final class AdminServer implements Closeable {
    private final HttpServer http;

    private AdminServer(HttpServer http) {
        this.http = http;
    }

    /**
     * @param notReady the reason the server cannot take mail now, or empty when it can
     */
    public static AdminServer start(InetSocketAddress bind, Metrics metrics, Supplier<Optional<String>> notReady)
            throws IOException {
        HttpServer http = HttpServer.create(bind, 16);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/metrics", ex -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            metrics.scrape(body);
            send(ex, 200, metrics.contentType(), body.toByteArray());
        });
        http.createContext("/health", ex -> send(ex, 200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8)));
        http.createContext("/ready", ex -> {
            Optional<String> reason = notReady.get();
            send(ex, reason.isPresent() ? 503 : 200, "text/plain; charset=utf-8",
                    (reason.orElse("ready") + "\n").getBytes(StandardCharsets.UTF_8));
        });
        http.start();
        return new AdminServer(http);
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        try (ex) {
            // Only the exact paths: the contexts match prefixes ("/metricsfoo"), and only GET and HEAD make sense.
            String path = ex.getRequestURI().getPath();
            boolean exact = path.equals(ex.getHttpContext().getPath());
            boolean read = ex.getRequestMethod().equals("GET") || ex.getRequestMethod().equals("HEAD");
            if (!exact || !read) {
                ex.sendResponseHeaders(exact ? 405 : 404, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", contentType);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
