package dev.mailroom.sts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one HTTP/1.1 response of a policy fetch (RFC 9112), read to the end of a {@code Connection: close} exchange:
 * status line, header fields, and a body framed by Content-Length, chunked transfer coding or the end of the
 * connection, never more than {@code maxBody} octets.
 *
 * @param status  the status code
 * @param headers field names in lower case; a repeated field keeps its first value
 * @param body    the body octets
 */
record HttpResponse(int status, Map<String, String> headers, byte[] body) {
    private static final int MAX_HEADER_LINE = 8192;
    private static final int MAX_HEADER_FIELDS = 100;

    /** The response was larger than allowed. */
    static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    /** The media type of Content-Type without parameters, lower case; empty when there is none. */
    String mediaType() {
        String v = headers.getOrDefault("content-type", "");
        int semi = v.indexOf(';');
        return (semi < 0 ? v : v.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    static HttpResponse read(InputStream in, int maxBody) throws IOException {
        String statusLine = line(in);
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (!statusLine.matches("HTTP/1\\.[01] [0-9]{3}( .*)?")) {
            throw new IOException("not an HTTP/1.x status line");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (int n = 0; ; n++) {
            String field = line(in);
            if (field.isEmpty()) {
                break;
            }
            if (n >= MAX_HEADER_FIELDS) {
                throw new IOException("too many header fields");
            }
            int colon = field.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header field");
            }
            headers.putIfAbsent(field.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    field.substring(colon + 1).strip());
        }
        byte[] body;
        String coding = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        if (coding.equals("chunked")) {
            body = chunked(in, maxBody);
        } else if (!coding.isEmpty()) {
            throw new IOException("unsupported transfer coding " + coding);
        } else if (headers.containsKey("content-length")) {
            String length = headers.get("content-length");
            if (!length.matches("[0-9]{1,10}")) {
                throw new IOException("bad Content-Length");
            }
            long n = Long.parseLong(length);
            if (n > maxBody) {
                throw new TooLargeException("body of " + n + " octets exceeds " + maxBody);
            }
            body = in.readNBytes((int) n);
            if (body.length < n) {
                throw new IOException("connection closed before the end of the body");
            }
        } else {
            body = in.readNBytes(maxBody + 1);
            if (body.length > maxBody) {
                throw new TooLargeException("body exceeds " + maxBody + " octets");
            }
        }
        return new HttpResponse(status, Map.copyOf(headers), body);
    }

    /** RFC 9112 section 7.1: size in hex, optional extensions, CRLF, data, CRLF; a zero size ends it. */
    private static byte[] chunked(InputStream in, int maxBody) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int semi = sizeLine.indexOf(';');
            String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip();
            if (!hex.matches("[0-9A-Fa-f]{1,7}")) {
                throw new IOException("bad chunk size");
            }
            int size = Integer.parseInt(hex, 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailer fields: not needed
                }
                return out.toByteArray();
            }
            if (out.size() + size > maxBody) {
                throw new TooLargeException("body exceeds " + maxBody + " octets");
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) {
                throw new IOException("connection closed inside a chunk");
            }
            out.writeBytes(chunk);
            if (!line(in).isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    /** One line without its CRLF (a bare LF is tolerated, RFC 9112 section 2.2). */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(80);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (b.size() >= MAX_HEADER_LINE) {
                throw new IOException("header line too long");
            }
            b.write(c);
        }
        throw new IOException("connection closed inside the response head");
    }
}
