package dev.mailroom.delivery;

import dev.mailroom.smtp.client.SmtpClient;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open SMTP connections kept between messages, per next-hop address (Postfix's scache): consecutive messages to
 * one host then cost a transaction each, not a TCP connection, a TLS handshake and an AUTH. A connection is
 * checked out by one delivery at a time and given back when its transaction is over.
 */
final class ConnectionCache {
    private final long maxIdleNanos;
    private final int maxPerKey;
    private final Map<String, Deque<Entry>> idle = new ConcurrentHashMap<>();

    private record Entry(SmtpClient client, long since) {
    }

    ConnectionCache(long maxIdleNanos, int maxPerKey) {
        this.maxIdleNanos = maxIdleNanos;
        this.maxPerKey = maxPerKey;
    }

    /** An idle connection to this key, or null. Connections idle too long are closed on the way. */
    SmtpClient take(String key) {
        Deque<Entry> q = idle.get(key);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        while (true) {
            Entry e;
            synchronized (q) {
                e = q.pollFirst();
            }
            if (e == null) {
                return null;
            }
            if (now - e.since <= maxIdleNanos) {
                return e.client;
            }
            e.client.quit();
        }
    }

    void give(String key, SmtpClient client) {
        Deque<Entry> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (q) {
            if (q.size() < maxPerKey) {
                q.addFirst(new Entry(client, System.nanoTime()));
                return;
            }
        }
        client.quit();
    }

    /** Closes what has been idle too long (servers drop idle clients; better to say QUIT first). */
    void closeIdle() {
        long now = System.nanoTime();
        for (Deque<Entry> q : idle.values()) {
            while (true) {
                Entry e;
                synchronized (q) {
                    e = q.peekLast();
                    if (e == null || now - e.since <= maxIdleNanos) {
                        break;
                    }
                    q.pollLast();
                }
                e.client.quit();
            }
        }
    }

    void closeAll() {
        for (Deque<Entry> q : idle.values()) {
            while (true) {
                Entry e;
                synchronized (q) {
                    e = q.pollFirst();
                }
                if (e == null) {
                    break;
                }
                e.client.quit();
            }
        }
    }
}
