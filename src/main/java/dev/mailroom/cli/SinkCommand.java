package dev.mailroom.cli;

import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import java.net.InetAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailroom sink}: an SMTP server that prints every message it receives (quickstart smarthost). */
@Command(name = "sink", description = "Listen for SMTP and print every message received (a stand-in smarthost).")
final class SinkCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "2525", description = "Port (default ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws Exception {
        SinkServer sink = SinkServer.start(SinkServer.SinkSettings.defaults()
                .withBind(InetAddress.getByName(host)).withPort(port));
        sink.onMessage(SinkCommand::print);
        System.err.println("mailroom sink: listening on " + host + ":" + sink.port());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sink.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private static void print(ReceivedMessage m) {
        StringBuilder sb = new StringBuilder();
        sb.append("=== message from <").append(m.mailFrom()).append("> to ");
        for (int i = 0; i < m.rcptTo().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append('<').append(m.rcptTo().get(i)).append('>');
        }
        sb.append(" (").append(m.data().length).append(" octets").append(m.tls() ? ", TLS" : "").append(")\n");
        sb.append(m.text());
        if (!m.text().endsWith("\n")) {
            sb.append('\n');
        }
        sb.append("=== end\n");
        synchronized (System.out) {
            System.out.print(sb);
            System.out.flush();
        }
    }
}
