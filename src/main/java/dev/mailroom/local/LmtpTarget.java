package dev.mailroom.local;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/** Where an LMTP server listens: a TCP host and port, or a Unix domain socket (Dovecot's usual choice). */
public sealed interface LmtpTarget {

    SocketAddress address();

    /** TCP. RFC 2033 section 1 warns against LMTP over a wide-area network: this is meant for a local peer. */
    record Tcp(String host, int port) implements LmtpTarget {
        public Tcp {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        @Override
        public SocketAddress address() {
            return new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record Unix(Path path) implements LmtpTarget {
        @Override
        public SocketAddress address() {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * Reads {@code unix:/path}, {@code /path} (a socket file), {@code host:port} or {@code [ipv6]:port}.
     *
     * @throws IllegalArgumentException with the reason
     */
    public static LmtpTarget parse(String spec) {
        if (spec.startsWith("unix:")) {
            return new Unix(Path.of(spec.substring(5)));
        }
        if (spec.startsWith("/")) {
            return new Unix(Path.of(spec));
        }
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new IllegalArgumentException("LMTP target must be host:port or unix:/path: " + spec);
        }
        String host = spec.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 LMTP host goes in brackets: " + spec);
        }
        int port;
        try {
            port = Integer.parseInt(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LMTP port is not a number: " + spec);
        }
        return new Tcp(host, port);
    }
}
