package dev.mailroom.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A connected SocketChannel (TCP or Unix domain) whose every read and write waits at most a given time.
 * A Unix domain channel has no socket adaptor, hence no SO_TIMEOUT; a Selector gives both kinds the same
 * timeouts, for writes too (a server that stops reading would otherwise block us for ever).
 */
final class TimedChannel implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private volatile Duration timeout;

    private TimedChannel(SocketChannel channel, Selector selector, Duration timeout) {
        this.channel = channel;
        this.selector = selector;
        this.timeout = timeout;
    }

    /** Connects within {@code timeout}; the same timeout then applies to reads and writes until changed. */
    static TimedChannel connect(SocketAddress address, Duration timeout) throws IOException {
        ProtocolFamily family = address instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
                : address instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        SocketChannel ch = SocketChannel.open(family);
        Selector sel = null;
        try {
            ch.configureBlocking(false);
            sel = Selector.open();
            TimedChannel timed = new TimedChannel(ch, sel, timeout);
            if (!ch.connect(address)) {
                timed.await(SelectionKey.OP_CONNECT, "connect to " + address);
                ch.finishConnect();
            }
            return timed;
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (sel != null) {
                sel.close();
            }
            throw e;
        }
    }

    void timeout(Duration t) {
        this.timeout = t;
    }

    /** Reads at least one byte, or returns -1 at end of stream. */
    int read(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (true) {
            int n = channel.read(buf);
            if (n != 0) {
                return n;
            }
            await(SelectionKey.OP_READ, "read");
        }
    }

    void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE, "write");
            }
        }
    }

    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : TimedChannel.this.read(b, off, len);
            }
        };
    }

    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                TimedChannel.this.write(b, off, len);
            }
        };
    }

    private void await(int op, String what) throws IOException {
        Duration t = timeout;
        long deadline = System.nanoTime() + t.toNanos();
        SelectionKey key = channel.register(selector, op);
        try {
            while (selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)) == 0) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new SocketTimeoutException(what + " timed out after " + t.toMillis() + " ms");
                }
            }
        } finally {
            key.interestOps(0);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
