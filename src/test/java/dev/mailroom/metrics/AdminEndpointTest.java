package dev.mailroom.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.MailroomFixture;
import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.SinkServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener over real HTTP, after real SMTP sessions against a real server. */
class AdminEndpointTest {
    @TempDir
    Path dir;
    MailroomFixture fx;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        fx = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(), "\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fx.server.adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsCountTheSessionsTransactionsAuthAndTls() throws Exception {
        try (SmtpTestClient c = fx.aliceSession()) {
            SmtpTestClient.expect(c.cmd("MAIL FROM:<" + MailroomFixture.ALICE + ">"), 250);
            SmtpTestClient.expect(c.cmd("RCPT TO:<bob@example.com>"), 250);
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            SmtpTestClient.expect(c.cmd("From: " + MailroomFixture.ALICE + "\r\nSubject: hi\r\n\r\nhello\r\n."), 250);
            // Alice may not send as someone else's address: a refused MAIL, counted by its code.
            SmtpTestClient.expect(c.cmd("MAIL FROM:<carol@elsewhere.example>"), 550);
            SmtpTestClient.expect(c.cmd("QUIT"), 221);
        }
        try (SmtpTestClient c = SmtpTestClient.connect(fx.submission()).startSecure("client.example.com")) {
            SmtpTestClient.expect(c.authPlain(MailroomFixture.ALICE, "wrong"), 535);
        }

        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(r.body().lines()).contains(
                "mailroom_messages_accepted_total{listener=\"submission\"} 1.0",
                "mailroom_message_size_bytes_count{listener=\"submission\"} 1",
                "mailroom_message_size_bytes_bucket{listener=\"submission\",le=\"1024.0\"} 1",
                "mailroom_auth_total{listener=\"submission\",mechanism=\"PLAIN\",result=\"success\"} 1.0",
                "mailroom_auth_total{listener=\"submission\",mechanism=\"PLAIN\",result=\"failure\"} 1.0",
                "mailroom_smtp_rejections_total{code=\"550\",command=\"MAIL\",listener=\"submission\"} 1.0",
                "mailroom_tls_sessions_total{listener=\"submission\",version=\"TLSv1.3\"} 2.0",
                "mailroom_connections_total{listener=\"submission\",verdict=\"admitted\"} 2.0",
                "mailroom_connections_total{listener=\"submission\",verdict=\"too_many_connections\"} 0.0",
                "mailroom_quota_refusals_total{kind=\"messages_per_hour\"} 0.0");
        assertThat(r.body().lines()).contains("mailroom_spool_fsync_seconds_count 1");
        // The relay to the smarthost sink is counted once its attempt ends, just after the sink has the message.
        fx.awaitRelayed(1);
        String delivered = "mailroom_delivery_attempts_total{destination=\"smarthost\",result=\"delivered\"} 1.0";
        for (int i = 0; i < 100 && !get("/metrics").body().lines().toList().contains(delivered); i++) {
            Thread.sleep(50);
        }
        assertThat(get("/metrics").body().lines()).contains(delivered);
        assertThat(r.body()).contains("mailroom_sessions_active{listener=\"trusted\"} 0");
        assertThat(r.body()).containsPattern("mailroom_queue_messages\\{state=\"active\"} [0-9]");
    }

    @Test
    void healthIsOkAndReadinessFollowsTheSpool() throws Exception {
        assertThat(get("/health")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok\n");
        });
        assertThat(get("/ready").statusCode()).isEqualTo(200);

        // The spool directory gone (a lost mount): not ready, and why. Back in place: ready again.
        Path spool = dir.resolve("data/spool");
        Path away = dir.resolve("data/spool-away");
        Files.move(spool, away);
        try {
            HttpResponse<String> r = get("/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("spool directory").contains("not writable");
        } finally {
            Files.move(away, spool);
        }
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
    }
}
