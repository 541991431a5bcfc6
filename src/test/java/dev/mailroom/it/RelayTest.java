package dev.mailroom.it;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.SinkServer;
import dev.mailroom.tls.ServerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay to the smarthost: STARTTLS when offered, AUTH when configured, TLS required by policy. */
class RelayTest {
    @TempDir
    Path dir;

    private static void submit(MailroomFixture mr, String subject) throws Exception {
        try (SmtpTestClient c = mr.aliceSession()) {
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250);
            expect(c.cmd("RCPT TO:<dave@remote.example>"), 250);
            expect(c.cmd("DATA"), 354);
            c.write("From: alice@example.com\r\nSubject: " + subject + "\r\n\r\nhi\r\n.\r\n");
            expect(c.read(), 250);
        }
    }

    @Test
    void relayUsesStartTlsAndAuthenticatesToTheSmarthost() throws Exception {
        ServerTls sinkTls = ServerTls.selfSigned(dir.resolve("sink-tls"), "localhost");
        Files.writeString(dir.resolve("relay.pass"), "relay-secret\n");
        SinkServer.SinkSettings sink = SinkServer.SinkSettings.defaults().withStartTls(sinkTls.context());
        // The fixture's [relay] table takes extra keys through its relay option.
        try (MailroomFixture mr = MailroomFixture.start(dir, sink, "", "tls = \"required\"\nusername = \"mailroom\"\npassword_file = \"relay.pass\"\n")) {
            submit(mr, "over tls");
            var m = mr.awaitRelayed(1).getFirst();
            assertThat(m.tls()).isTrue();
            assertThat(m.authUser()).isEqualTo("mailroom");
        }
    }

    @Test
    void consecutiveMessagesReuseOneSmarthostConnection() throws Exception {
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        SinkServer.SinkSettings counting = SinkServer.SinkSettings.defaults().withBehaviour(new dev.mailroom.sink.Behaviour() {
            @Override
            public dev.mailroom.smtp.SmtpReply onConnect(String hostname) {
                connections.incrementAndGet();
                return dev.mailroom.sink.Behaviour.super.onConnect(hostname);
            }
        });
        try (MailroomFixture mr = MailroomFixture.start(dir, counting, "", "concurrency = 1\n")) {
            for (int i = 1; i <= 5; i++) {
                submit(mr, "reuse " + i);
                mr.sink.awaitCount(i, Duration.ofSeconds(20));
            }
            assertThat(mr.sink.messages()).hasSize(5);
            assertThat(connections.get()).isEqualTo(1);
        }
    }

    @Test
    void requiredTlsDefersWhenTheSmarthostOffersNoStartTls() throws Exception {
        try (MailroomFixture mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(), "", "tls = \"required\"\n")) {
            submit(mr, "never in clear");
            Thread.sleep(1500); // a delivery attempt (retry_initial_seconds = 1) has happened by now
            assertThat(mr.sink.messages()).isEmpty();
            assertThat(Files.list(mr.spoolQueue()).map(p -> p.getFileName().toString()))
                    .anySatisfy(name -> assertThat(name).endsWith(".state"));
            String state = Files.readString(Files.list(mr.spoolQueue()).filter(p -> p.toString().endsWith(".state")).findFirst().orElseThrow());
            assertThat(state).contains("does not offer STARTTLS");
        }
    }

    @Test
    void aMessageDeferredBeforeARestartIsDeliveredAfterIt() throws Exception {
        SinkServer down = SinkServer.start(SinkServer.SinkSettings.defaults());
        int port = down.port();
        down.close(); // nothing listens there now: every attempt fails with a connection error
        Path config;
        try (MailroomFixture mr = MailroomFixture.startWithRelayPort(dir, port)) {
            submit(mr, "survives restart");
            Thread.sleep(500);
            config = mr.config;
            assertThat(Files.list(mr.spoolQueue()).filter(p -> !p.toString().endsWith(".state")).count()).isEqualTo(1);
        }
        SinkServer up = SinkServer.start(SinkServer.SinkSettings.defaults().withPort(port));
        var server = dev.mailroom.server.MailroomServer.start(dev.mailroom.config.ConfigLoader.load(config));
        try {
            var m = up.awaitCount(1, Duration.ofSeconds(20)).getFirst();
            assertThat(m.text()).contains("Subject: survives restart");
        } finally {
            server.close();
            up.close();
        }
    }
}
