package dev.mailroom.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A deliberately dumb SMTP client for protocol tests: it writes exactly the bytes a test gives it and
 * parses replies strictly (RFC 5321 section 4.2), so a test can send malformed and pipelined input.
 */
public final class SmtpTestClient implements Closeable {

    /** One reply: its code and lines (text after the code and separator). */
    public record Reply(int code, List<String> lines) {
        public String first() {
            return lines.getFirst();
        }

        /** The enhanced status code of the first line, or "" if none. */
        public String enhanced() {
            String f = lines.getFirst();
            int sp = f.indexOf(' ');
            String w = sp < 0 ? f : f.substring(0, sp);
            return w.matches("[245]\\.\\d{1,3}\\.\\d{1,3}") ? w : "";
        }

        public String text() {
            return String.join("\n", lines);
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private SmtpTestClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static SmtpTestClient connect(int port) throws IOException {
        return new SmtpTestClient(new Socket("127.0.0.1", port));
    }

    /** Connects from a chosen loopback address (127.0.0.0/8), so tests can stand for different clients. */
    public static SmtpTestClient connectFrom(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new java.net.InetSocketAddress(localAddress, 0));
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        return new SmtpTestClient(s);
    }

    /** Connects with TLS from the first byte (port 465 style). */
    public static SmtpTestClient connectTls(int port) throws IOException {
        Socket plain = new Socket("127.0.0.1", port);
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "localhost", port, true);
        ssl.startHandshake();
        return new SmtpTestClient(ssl);
    }

    public static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public SmtpTestClient setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Writes raw text (the test supplies CRLFs). */
    public SmtpTestClient write(String raw) throws IOException {
        return writeBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    public SmtpTestClient writeBytes(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    /** Sends one command line (CRLF added) and reads its reply. */
    public Reply cmd(String line) throws IOException {
        write(line + "\r\n");
        return read();
    }

    public Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed while reading a reply" + (lines.isEmpty() ? "" : " after " + lines));
            }
            if (line.length() < 3 || !line.substring(0, 3).matches("[2-5][0-9][0-9]")
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new IOException("malformed reply line: " + line);
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) {
                throw new IOException("code changed inside a multiline reply: " + line);
            }
            code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, lines);
            }
        }
    }

    /** Reads one CRLF line; null at EOF. */
    public String readLine() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n' && prev == '\r') {
                byte[] bytes = buf.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            buf.write(b);
            prev = b;
        }
    }

    /** True if the server closed the connection (EOF within the timeout). */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** STARTTLS: expects 220, then the handshake; the caller sends EHLO again. */
    public Reply starttls() throws IOException {
        Reply r = cmd("STARTTLS");
        if (r.code() == 220) {
            upgrade();
        }
        return r;
    }

    public void upgrade() throws IOException {
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        ssl.startHandshake();
        socket = ssl;
        socket.setSoTimeout(20_000);
        in = new BufferedInputStream(ssl.getInputStream());
        out = ssl.getOutputStream();
    }

    /** Greeting, EHLO, STARTTLS, EHLO: ready for AUTH. */
    public SmtpTestClient startSecure(String helo) throws IOException {
        expect(read(), 220);
        expect(cmd("EHLO " + helo), 250);
        expect(starttls(), 220);
        expect(cmd("EHLO " + helo), 250);
        return this;
    }

    public Reply authPlain(String user, String password) throws IOException {
        String ir = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return cmd("AUTH PLAIN " + ir);
    }

    public static Reply expect(Reply r, int code) {
        if (r.code() != code) {
            throw new AssertionError("expected " + code + " but got " + r);
        }
        return r;
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
