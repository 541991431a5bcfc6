// Authenticated SMTP submission load generator for the Mailroom benchmark (single file, JDK 25, no build):
//
//   java bench/AuthLoad.java --port 10587 --sessions 50 --messages 1000 --size 1024 [--per-login 1]
//        [--tls 1.3|1.2|none] [--user sender@example.test --password bench-password]
//        [--from sender@example.test --to rcpt@example.test] [--warmup 0] [--max-seconds 300]
//
// SESSIONS virtual threads each loop: connect, EHLO, STARTTLS (self-signed certificate accepted), EHLO,
// AUTH PLAIN, then up to PER-LOGIN transactions (MAIL, RCPT, DATA, message, ".") and QUIT, until MESSAGES
// messages have been claimed in total. The latency measured is from the write of the final CRLF.CRLF to the
// end of the server's reply to it ("end-of-data latency"). --warmup N sends N messages first (same shape,
// not measured). Prints one line of key=value pairs; exits 1 if any transaction was not accepted.
//
//   java bench/AuthLoad.java serve --port 10030 --keystore FILE.p12 --storepass PW
//
// runs a minimal SMTP sink with STARTTLS and AUTH (accepts any credentials, discards every message), used to
// measure the client's own ceiling with TLS included.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.net.ssl.*;

public class AuthLoad {
    static final byte[] CRLF = {'\r', '\n'};

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        boolean serve = argv.length > 0 && argv[0].equals("serve");
        for (int i = serve ? 1 : 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                System.err.println("bad argument: " + argv[i]);
                System.exit(2);
            }
            a.put(argv[i].substring(2), argv[++i]);
        }
        if (serve) {
            serve(a);
        } else {
            load(a);
        }
    }

    // ---------------------------------------------------------------- client

    static final class Stats {
        final AtomicInteger claimed = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger connections = new AtomicInteger();
        final ConcurrentLinkedQueue<Long> eodNanos = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    }

    static void load(Map<String, String> a) throws Exception {
        String host = a.getOrDefault("host", "127.0.0.1");
        if (!host.startsWith("127.") && !host.equals("localhost")) {
            throw new IllegalArgumentException("loopback only");
        }
        int port = Integer.parseInt(a.getOrDefault("port", "10587"));
        int sessions = Integer.parseInt(a.getOrDefault("sessions", "1"));
        int messages = Integer.parseInt(a.getOrDefault("messages", "100"));
        int size = Integer.parseInt(a.getOrDefault("size", "1024"));
        int perLogin = Integer.parseInt(a.getOrDefault("per-login", "1"));
        String tls = a.getOrDefault("tls", "1.3");
        String user = a.getOrDefault("user", "sender@example.test");
        String password = a.getOrDefault("password", "bench-password");
        String from = a.getOrDefault("from", "sender@example.test");
        String to = a.getOrDefault("to", "rcpt@example.test");
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
        long maxSeconds = Long.parseLong(a.getOrDefault("max-seconds", "300"));

        SSLSocketFactory factory = trustAll().getSocketFactory();
        byte[] body = body(size);
        String authLine = "AUTH PLAIN " + Base64.getEncoder().encodeToString(
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        Config c = new Config(host, port, tls, factory, authLine, from, to, body, perLogin);

        if (warmup > 0) {
            Stats w = run(c, Math.min(sessions, warmup), warmup, maxSeconds);
            if (w.failed.get() > 0) {
                System.err.println("warmup errors: " + w.errors.peek());
            }
        }
        long t0 = System.nanoTime();
        Stats s = run(c, sessions, messages, maxSeconds);
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] lat = s.eodNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        String negotiated = c.lastProtocol == null ? "none" : c.lastProtocol;
        System.out.printf(Locale.ROOT,
                "ok=%d failed=%d connections=%d wall_s=%.3f msg_s=%.1f eod_p50_ms=%.2f eod_p99_ms=%.2f eod_max_ms=%.2f tls=%s%n",
                s.ok.get(), s.failed.get(), s.connections.get(), wall, s.ok.get() / wall,
                pct(lat, 50), pct(lat, 99), lat.length == 0 ? 0.0 : lat[lat.length - 1] / 1e6, negotiated);
        Set<String> distinct = new LinkedHashSet<>(s.errors);
        distinct.stream().limit(5).forEach(e -> System.err.println("error: " + e));
        System.exit(s.failed.get() == 0 && s.ok.get() == messages ? 0 : 1);
    }

    static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    static final class Config {
        final String host, tls, authLine, from, to;
        final int port, perLogin;
        final SSLSocketFactory factory;
        final byte[] body;
        volatile String lastProtocol;

        Config(String host, int port, String tls, SSLSocketFactory f, String authLine, String from, String to,
               byte[] body, int perLogin) {
            this.host = host;
            this.port = port;
            this.tls = tls;
            this.factory = f;
            this.authLine = authLine;
            this.from = from;
            this.to = to;
            this.body = body;
            this.perLogin = perLogin;
        }
    }

    static Stats run(Config c, int sessions, int messages, long maxSeconds) throws InterruptedException {
        Stats s = new Stats();
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < sessions; i++) {
                ex.submit(() -> {
                    while (s.claimed.get() < messages && System.nanoTime() < deadline) {
                        try {
                            session(c, s, messages);
                        } catch (Exception e) {
                            s.errors.add(e.toString());
                            // a failed connection counts the message it had claimed as failed (see session)
                        }
                    }
                    return null;
                });
            }
        }
        return s;
    }

    static void session(Config c, Stats s, int messages) throws IOException {
        if (s.claimed.getAndIncrement() >= messages) {
            return;
        }
        int inFlight = 1; // the claimed message
        s.connections.incrementAndGet();
        try (Socket raw = new Socket()) {
            raw.setTcpNoDelay(true);
            raw.setSoTimeout(60_000);
            raw.connect(new InetSocketAddress(c.host, c.port), 10_000);
            Conn conn = new Conn(raw);
            conn.expect(220);
            conn.command("EHLO loadgen.example.test", 250);
            if (!c.tls.equals("none")) {
                conn.command("STARTTLS", 220);
                SSLSocket ssl = (SSLSocket) c.factory.createSocket(raw, c.host, c.port, true);
                ssl.setEnabledProtocols(new String[] {"TLSv" + c.tls});
                ssl.setUseClientMode(true);
                ssl.startHandshake();
                c.lastProtocol = ssl.getSession().getProtocol();
                conn = new Conn(ssl);
                conn.command("EHLO loadgen.example.test", 250);
            }
            conn.command(c.authLine, 235);
            int sent = 0;
            while (true) {
                conn.command("MAIL FROM:<" + c.from + ">", 250);
                conn.command("RCPT TO:<" + c.to + ">", 250);
                conn.command("DATA", 354);
                conn.writeMessage(c, s);
                long t = System.nanoTime();
                int code = conn.reply();
                long eod = System.nanoTime() - t;
                inFlight = 0;
                if (code / 100 == 2) {
                    s.ok.incrementAndGet();
                    s.eodNanos.add(eod);
                } else {
                    s.failed.incrementAndGet();
                    s.errors.add("end of data: " + conn.last);
                }
                sent++;
                if (sent >= c.perLogin || s.claimed.getAndIncrement() >= messages) {
                    break;
                }
                inFlight = 1;
            }
            conn.command("QUIT", 221);
        } catch (IOException | RuntimeException e) {
            if (inFlight > 0) {
                s.failed.incrementAndGet();
            }
            throw e;
        }
    }

    /** One SMTP connection's streams: commands are written and flushed in one write each. */
    static final class Conn {
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[8192];
        int pos, lim;
        String last = "";

        Conn(Socket s) throws IOException {
            in = s.getInputStream();
            out = new BufferedOutputStream(s.getOutputStream(), 65536);
        }

        void command(String line, int want) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int code = reply();
            if (code != want) {
                throw new IOException((line.startsWith("AUTH") ? "AUTH" : line) + " -> " + last);
            }
        }

        void expect(int want) throws IOException {
            int code = reply();
            if (code != want) {
                throw new IOException("greeting -> " + last);
            }
        }

        void writeMessage(Config c, Stats s) throws IOException {
            String head = "From: <" + c.from + ">\r\nTo: <" + c.to + ">\r\nSubject: bench\r\nDate: "
                    + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\nMessage-ID: <"
                    + UUID.randomUUID() + "@loadgen.example.test>\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(c.body);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Reads one (possibly multi-line) reply; returns its code. */
        int reply() throws IOException {
            while (true) {
                String line = line();
                if (line.length() < 3) {
                    throw new IOException("bad reply: " + line);
                }
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    last = line;
                    return Integer.parseInt(line.substring(0, 3));
                }
            }
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos == lim) {
                    lim = in.read(buf);
                    pos = 0;
                    if (lim <= 0) {
                        lim = 0;
                        throw new EOFException("connection closed; last reply " + last);
                    }
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) b);
            }
        }
    }

    /** SIZE bytes of body: 78 printable characters + CRLF per line, nothing that needs dot-stuffing. */
    static byte[] body(int size) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(size + 100);
        int line = 0;
        while (b.size() < size) {
            String l = String.format(Locale.ROOT, "%05d", line++);
            StringBuilder sb = new StringBuilder(l);
            while (sb.length() < 78) {
                sb.append('X');
            }
            int room = size - b.size() - 2;
            String text = sb.substring(0, Math.max(1, Math.min(78, room)));
            b.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(CRLF);
        }
        return b.toByteArray();
    }

    static SSLContext trustAll() throws Exception {
        TrustManager tm = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String t) {}
            public void checkServerTrusted(X509Certificate[] c, String t) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
        return ctx;
    }

    // ---------------------------------------------------------------- ceiling sink

    static void serve(Map<String, String> a) throws Exception {
        int port = Integer.parseInt(a.getOrDefault("port", "10030"));
        char[] pw = a.getOrDefault("storepass", "changeit").toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(a.get("keystore"))) {
            ks.load(in, pw);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLSocketFactory f = ctx.getSocketFactory();
        AtomicLong count = new AtomicLong();
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress("127.0.0.1", port), 1000);
            System.err.println("ceiling sink on 127.0.0.1:" + port);
            while (true) {
                Socket s = ss.accept();
                Thread.startVirtualThread(() -> {
                    try (s) {
                        s.setTcpNoDelay(true);
                        sinkSession(s, f, count);
                    } catch (IOException e) {
                        // client went away
                    }
                });
            }
        }
    }

    static void sinkSession(Socket raw, SSLSocketFactory f, AtomicLong count) throws IOException {
        Conn c = new Conn(raw);
        boolean tls = false;
        Socket current = raw;
        send(c, "220 ceiling ESMTP");
        while (true) {
            String line;
            try {
                line = c.line();
            } catch (EOFException e) {
                return;
            }
            String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
            switch (verb) {
                case "EHLO" -> send(c, tls ? "250-ceiling\r\n250-AUTH PLAIN\r\n250 PIPELINING"
                        : "250-ceiling\r\n250-STARTTLS\r\n250-AUTH PLAIN\r\n250 PIPELINING");
                case "STAR" -> {
                    send(c, "220 go ahead");
                    SSLSocket ssl = (SSLSocket) f.createSocket(current, null, raw.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    current = ssl;
                    c = new Conn(ssl);
                    tls = true;
                }
                case "AUTH" -> send(c, "235 2.7.0 ok");
                case "DATA" -> {
                    send(c, "354 go");
                    while (!c.line().equals(".")) {
                        // discard
                    }
                    count.incrementAndGet();
                    send(c, "250 2.0.0 queued");
                }
                case "QUIT" -> {
                    send(c, "221 bye");
                    return;
                }
                default -> send(c, "250 ok");
            }
        }
    }

    static void send(Conn c, String reply) throws IOException {
        c.out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
    }
}
