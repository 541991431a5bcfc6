package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.dkim.Verifiers;
import dev.mailroom.dns.TestDnsServer;
import dev.mailroom.it.MailroomFixture;
import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailroom dkim keygen} as a real process: the key file it writes, and the TXT record it prints, served by a
 * DNS server, verifying what a server signs with that key.
 */
class DkimKeygenTest {
    @TempDir
    Path dir;

    /** The printed record: the one line that is not a comment. */
    static String record(String output, String selector) {
        List<String> lines = output.lines().filter(l -> l.startsWith(selector + "._domainkey.")).toList();
        assertThat(lines).as(output).hasSize(1);
        return lines.getFirst();
    }

    @Test
    void keygenWritesA0600Pkcs8KeyWhosePrintedRecordVerifiesTheSignatures() throws Exception {
        MailroomProcess.Result rsa = MailroomProcess.run(dir, "", "dkim", "keygen", "example.com", "--selector", "cli2026");
        assertThat(rsa.exitCode()).as(rsa.output()).isZero();
        Path rsaKey = dir.resolve("data/dkim/example.com/cli2026.key");
        assertThat(Files.getPosixFilePermissions(rsaKey)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(rsaKey)).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        String rsaRecord = record(rsa.output(), "cli2026");
        // a 2048-bit key's record does not fit one 255-octet string
        assertThat(rsaRecord).matches("cli2026\\._domainkey\\.example\\.com\\. IN TXT \"v=DKIM1; k=rsa; p=MII[^\"]+\" \"[^\"]+\"");
        assertThat(rsa.output()).contains("; private key: data/dkim/example.com/cli2026.key (PKCS#8 PEM, mode 0600)");

        Path edKey = dir.resolve("ed.key");
        MailroomProcess.Result ed = MailroomProcess.run(dir, "", "dkim", "keygen", "example.com", "--selector", "cli-ed",
                "--algorithm", "ed25519", "--out", edKey.toString());
        assertThat(ed.exitCode()).as(ed.output()).isZero();
        assertThat(Files.getPosixFilePermissions(edKey)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String edRecord = record(ed.output(), "cli-ed");
        // RFC 8463 section 4: k=ed25519, p= the 32-octet raw key in base64 (44 characters)
        assertThat(edRecord).matches("cli-ed\\._domainkey\\.example\\.com\\. IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"");

        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.add(rsaRecord, edRecord);
            Path server = Files.createDirectories(dir.resolve("server"));
            try (MailroomFixture mr = MailroomFixture.start(server, SinkServer.SinkSettings.defaults(), """

                    [[dkim.key]]
                    domain = "example.com"
                    selector = "cli2026"
                    algorithm = "rsa"
                    private_key = "%s"

                    [[dkim.key]]
                    domain = "example.com"
                    selector = "cli-ed"
                    algorithm = "ed25519"
                    private_key = "%s"
                    """.formatted(rsaKey, edKey));
                 SmtpTestClient c = mr.aliceSession()) {
                SmtpTestClient.expect(c.cmd("MAIL FROM:<alice@example.com>"), 250);
                SmtpTestClient.expect(c.cmd("RCPT TO:<carol@remote.example>"), 250);
                SmtpTestClient.expect(c.cmd("DATA"), 354);
                c.write("From: alice@example.com\r\nTo: carol@remote.example\r\nSubject: keygen\r\n\r\nsigned\r\n.\r\n");
                SmtpTestClient.expect(c.read(), 250);
                ReceivedMessage r = mr.sink.awaitCount(1, Duration.ofSeconds(20)).getFirst();
                Verifiers.assertPass(r.data(), dns.port(), "example.com cli2026 rsa-sha256", "example.com cli-ed ed25519-sha256");
            }
        }
    }

    @Test
    void DKIM_03_aShortRsaKeyIsRefusedWithExit2AndNothingIsWritten() throws Exception {
        MailroomProcess.Result r = MailroomProcess.run(dir, "", "dkim", "keygen", "example.com", "--selector", "weak",
                "--bits", "512");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("RSA key of 512 bits; DKIM needs at least 1024 (RFC 8301 section 3.2)");
        assertThat(dir.resolve("data/dkim/example.com/weak.key")).doesNotExist();
    }

    @Test
    void usageMistakesExitWith2WithoutWritingAnything() {
        // in-process (Main.run): only exit codes and files matter here
        String out = dir.resolve("k.key").toString();
        assertThat(Main.run("dkim", "keygen", "example.com", "--selector", "bad_selector", "--out", out)).isEqualTo(2);
        assertThat(Main.run("dkim", "keygen", "example.com", "--selector", "e", "--algorithm", "ed25519", "--bits",
                "2048", "--out", out)).isEqualTo(2);
        assertThat(Main.run("dkim", "keygen", "example.com", "--selector", "e", "--algorithm", "dsa", "--out", out)).isEqualTo(2);
        assertThat(Main.run("dkim", "keygen", "exa mple.com", "--selector", "e", "--out", out)).isEqualTo(2);
        assertThat(Main.run("dkim", "keygen", "example.com", "--selector", "r", "--bits", "8192", "--out", out)).isEqualTo(2);
        assertThat(dir.resolve("k.key")).doesNotExist();
    }

    @Test
    void aKeyInUseIsNeverOverwrittenAndTheConfiguredDataDirIsUsed() throws Exception {
        // The configuration may already name the key keygen is about to create: keygen only needs its data_dir,
        // and check-config refuses the file until the key exists.
        Files.writeString(dir.resolve("mailroom.toml"), """
                hostname = "mail.example.org"
                data_dir = "var"
                [dkim]
                [[dkim.key]]
                domain = "example.org"
                selector = "s1"
                algorithm = "ed25519"
                """);
        MailroomProcess.Result before = MailroomProcess.run(dir, "", "check-config", "--config", "mailroom.toml");
        assertThat(before.exitCode()).isEqualTo(2);
        assertThat(before.output()).contains("mailroom.toml: dkim.key[0].private_key: ").contains("var/dkim/example.org/s1.key: no such file");

        MailroomProcess.Result gen = MailroomProcess.run(dir, "", "dkim", "keygen", "example.org", "--selector", "s1",
                "--algorithm", "ed25519", "--config", "mailroom.toml");
        assertThat(gen.exitCode()).as(gen.output()).isZero();
        Path key = dir.resolve("var/dkim/example.org/s1.key");
        byte[] first = Files.readAllBytes(key);
        assertThat(MailroomProcess.run(dir, "", "check-config", "--config", "mailroom.toml").exitCode()).isZero();

        MailroomProcess.Result again = MailroomProcess.run(dir, "", "dkim", "keygen", "example.org", "--selector", "s1",
                "--algorithm", "ed25519", "--config", "mailroom.toml");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.output()).contains("exists; a key in use is never replaced: choose a new selector");
        assertThat(Files.readAllBytes(key)).isEqualTo(first);
        assertThat(new String(first, StandardCharsets.US_ASCII)).startsWith("-----BEGIN PRIVATE KEY-----");
    }
}
