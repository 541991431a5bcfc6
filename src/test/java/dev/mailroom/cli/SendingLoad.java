package dev.mailroom.cli;

import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.ReceivedMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Clients that submit continuously over plain SMTP, each message with a unique marker in its Subject, and record
 * per marker what they learned: whether the server said 250, refused, or went away before it answered. The
 * server may die and come back on another port at any moment ({@link #serverAt}); a client then reconnects.
 */
final class SendingLoad implements AutoCloseable {
    /** What a client knows about one message. */
    enum Outcome {
        /** The session ended before the end of the data was sent: the server cannot have the message. */
        NOT_SENT,
        /** The data (or part of it) was sent and the session ended before the reply: the server may have it. */
        IN_FLIGHT,
        /** 250 after the data: the server promised to deliver it. */
        ACCEPTED,
        /** A definite error reply: the server promised not to. */
        REFUSED
    }

    private static final Pattern SUBJECT = Pattern.compile("(?m)^Subject: (load-\\d+-\\d+)\r?$");
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger port = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Thread> clients = new ArrayList<>();
    private final String from;
    private final String to;
    private volatile boolean running = true;

    SendingLoad(int sessions, String from, String to) {
        this.from = from;
        this.to = to;
        for (int i = 0; i < sessions; i++) {
            int client = i;
            clients.add(Thread.ofPlatform().name("load-" + i).start(() -> sendContinuously(client)));
        }
    }

    /** Where the clients connect from now on; 0 while no server listens. */
    void serverAt(int listenerPort) {
        port.set(listenerPort);
    }

    /** Stops the clients after the message each is sending. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : clients) {
            t.join(30_000);
        }
    }

    Map<String, Outcome> outcomes() {
        return Map.copyOf(outcomes);
    }

    /** Waits (up to {@code timeout}) until {@code n} more messages got 250: the server is really under load. */
    void awaitAccepted(int n, java.time.Duration timeout) throws InterruptedException {
        long target = accepted.get() + n;
        long end = System.nanoTime() + timeout.toNanos();
        while (accepted.get() < target && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    long count(Outcome o) {
        return outcomes.values().stream().filter(o::equals).count();
    }

    /** How often each marker reached the sinks. */
    static Map<String, Integer> arrivals(Collection<ReceivedMessage> received) {
        Map<String, Integer> n = new HashMap<>();
        for (ReceivedMessage m : received) {
            Matcher s = SUBJECT.matcher(m.text());
            if (s.find()) {
                n.merge(s.group(1), 1, Integer::sum);
            }
        }
        return n;
    }

    private void sendContinuously(int client) {
        long seq = 0;
        while (running) {
            int p = port.get();
            if (p == 0) {
                pause();
                continue;
            }
            try (SmtpTestClient c = SmtpTestClient.connect(p)) {
                if (c.read().code() != 220 || c.cmd("EHLO load" + client + ".example.com").code() != 250) {
                    pause();
                    continue;
                }
                while (running && sendOne(c, "load-" + client + "-" + seq++)) {
                    // next message in the same session
                }
            } catch (IOException e) {
                pause(); // the server went away (killed) or is not listening yet
            }
        }
    }

    /** Sends one message; false when the session cannot go on. */
    private boolean sendOne(SmtpTestClient c, String marker) throws IOException {
        outcomes.put(marker, Outcome.NOT_SENT);
        if (c.cmd("MAIL FROM:<" + from + ">").code() != 250) {
            outcomes.put(marker, Outcome.REFUSED);
            return false;
        }
        if (c.cmd("RCPT TO:<" + to + ">").code() != 250 || c.cmd("DATA").code() != 354) {
            outcomes.put(marker, Outcome.REFUSED);
            return false;
        }
        outcomes.put(marker, Outcome.IN_FLIGHT);
        c.write("From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + marker + "\r\n\r\n"
                + "crash-safety load\r\n".repeat(20) + ".\r\n");
        SmtpTestClient.Reply end = c.read();
        outcomes.put(marker, end.code() == 250 ? Outcome.ACCEPTED : Outcome.REFUSED);
        if (end.code() == 250) {
            accepted.incrementAndGet();
        }
        return end.code() == 250;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
