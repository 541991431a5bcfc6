package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.SmtpTestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roles on separate hosts (here: two processes): `mailroom run --role submission` relays everything it
 * accepts over SMTP to the MTA, `mailroom run --role transfer` receives it on its port-25 listener and delivers
 * it into the Maildir (RFC 6409 section 1, the sendmail submit.cf model).
 */
class SplitRolesTest {
    @TempDir
    Path dir;

    private static final String SHARED = """
            hostname = "mail.example.com"
            [domains]
            default = "example.com"
            local = ["example.com"]
            [[listener]]
            name = "submission"
            listen = "127.0.0.1:0"
            [[listener]]
            name = "mx"
            listen = "127.0.0.1:0"
            role = "transfer"
            [local]
            delivery = "maildir"
            """;

    @Test
    void theMsaHandsItsMailToTheMtaWhichDeliversItLocally() throws Exception {
        Path mta = Files.createDirectories(dir.resolve("mta"));
        Path msa = Files.createDirectories(dir.resolve("msa"));
        Files.writeString(mta.resolve("mailroom.toml"), SHARED);
        assertThat(MailroomProcess.run(mta, "pw\n", "user", "add", "bob@example.com", "--password-stdin",
                "--config", "mailroom.toml").exitCode()).isZero();
        try (MailroomProcess mtaRun = MailroomProcess.start(mta, "run", "--role", "transfer", "--config", "mailroom.toml")) {
            String mxPort = mtaRun.await(Pattern.compile("mx listening on 127\\.0\\.0\\.1:(\\d+)"), MailroomProcess.STARTUP);
            Files.writeString(msa.resolve("mailroom.toml"), SHARED + """
                    [relay]
                    host = "127.0.0.1"
                    port = %s
                    """.formatted(mxPort));
            assertThat(MailroomProcess.run(msa, "pw\n", "user", "add", "alice@example.com", "--password-stdin",
                    "--config", "mailroom.toml").exitCode()).isZero();
            try (MailroomProcess msaRun = MailroomProcess.start(msa, "run", "--role", "submission", "--config", "mailroom.toml")) {
                int port = Integer.parseInt(msaRun.await(Pattern.compile("submission listening on 127\\.0\\.0\\.1:(\\d+)"),
                        MailroomProcess.STARTUP));
                assertThat(msaRun.output()).doesNotContain("mx listening"); // the MSA runs no port-25 listener
                try (SmtpTestClient c = SmtpTestClient.connect(port).startSecure("client.example.com")) {
                    SmtpTestClient.expect(c.authPlain("alice@example.com", "pw"), 235);
                    SmtpTestClient.expect(c.cmd("MAIL FROM:<alice@example.com>"), 250);
                    SmtpTestClient.expect(c.cmd("RCPT TO:<bob@example.com>"), 250);
                    SmtpTestClient.expect(c.cmd("DATA"), 354);
                    c.write("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: split\r\n\r\nhi bob\r\n.\r\n");
                    SmtpTestClient.expect(c.read(), 250);
                }
                Path newDir = mta.resolve("data/mail/example.com/bob/new");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                List<Path> files = List.of();
                while (files.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    if (Files.isDirectory(newDir)) {
                        try (Stream<Path> s = Files.list(newDir)) {
                            files = s.toList();
                        }
                    }
                }
                assertThat(files).as("delivered at the MTA").hasSize(1);
                String stored = Files.readString(files.getFirst(), StandardCharsets.UTF_8);
                // Two Received fields: the MSA's (ESMTPSA) below the MTA's (ESMTPS, with the MSA's address).
                assertThat(stored).startsWith("Return-Path: <alice@example.com>\r\nDelivered-To: bob@example.com\r\n")
                        .containsPattern("Received: from [^\\r\\n]*\\r\\n[^\\r]*with ESMTPS")
                        .contains("with ESMTPSA").contains("Subject: split\r\n").endsWith("hi bob\r\n");
                assertThat(Files.exists(msa.resolve("data/mail"))).as("nothing delivered locally at the MSA").isFalse();
            }
        }
    }

    @Test
    void aRoleWithoutListenersIsAConfigError() throws Exception {
        Files.writeString(dir.resolve("mailroom.toml"), """
                [[listener]]
                name = "submission"
                listen = "127.0.0.1:0"
                """);
        MailroomProcess.Result r = MailroomProcess.run(dir, "", "run", "--role", "transfer", "--config", "mailroom.toml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("no listener has role = \"transfer\"");
    }
}
