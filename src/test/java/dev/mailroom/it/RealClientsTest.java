package dev.mailroom.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.Submit.Parts;
import dev.mailroom.sink.ReceivedMessage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real submission clients over loopback (Python smtplib, swaks, msmtp), on 587 with STARTTLS and 465 with
 * implicit TLS, AUTH PLAIN and LOGIN. Each message must arrive with Received, Date and Message-ID added and
 * otherwise byte-identical.
 */
class RealClientsTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    static boolean onPath(String binary) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    /** An ASCII message without Date and Message-ID, CRLF lines, a folded header and a dot line. */
    static String message(String marker) {
        return "From: Alice <alice@example.com>\r\n"
                + "To: Carol <carol@remote.example>\r\n"
                + "Subject: real client\r\n test " + marker + "\r\n"
                + "X-Marker: " + marker + "\r\n"
                + "\r\n"
                + "Hello Carol,\r\n"
                + ".a line with a leading dot\r\n"
                + "\r\n"
                + "-- \r\n"
                + "Alice\r\n";
    }

    static String run(List<String> command, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Path out = Files.createTempFile(dir, "out", ".txt");
        pb.redirectOutput(out.toFile());
        if (stdin != null) {
            Path in = Files.createTempFile(dir, "in", ".txt");
            Files.writeString(in, stdin, StandardCharsets.UTF_8);
            pb.redirectInput(in.toFile());
        }
        Process p = pb.start();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(done).as("%s finished in time: %s", command.getFirst(), output).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output:%n%s", command, output).isZero();
        return output;
    }

    static void assertArrivedIntact(String marker, String original, String heloName) throws Exception {
        ReceivedMessage r = Submit.awaitMarker(mr.sink, marker);
        assertThat(r.mailFrom()).isEqualTo("alice@example.com");
        assertThat(r.rcptTo()).containsExactly("carol@remote.example");
        Parts p = Parts.of(r.data());
        assertThat(p.field("Received")).startsWith("from " + heloName + " by mail.example.com (Mailroom) with ESMTPSA (TLSv1.");
        assertThat(p.field("Date")).matches("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");
        assertThat(p.field("Message-ID")).matches("<[0-9A-Z]{15}\\.[0-9a-z]+@mail\\.example\\.com>");
        assertThat(new String(Submit.withoutAdded(r.data(), "Date", "Message-ID"), StandardCharsets.ISO_8859_1))
                .isEqualTo(original);
    }

    static final String PYTHON = """
            import smtplib, ssl, sys
            mode, port, user, password, sender, rcpt, path = sys.argv[1:]
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with open(path, 'rb') as f:
                data = f.read()
            if mode == 'ssl':
                s = smtplib.SMTP_SSL('127.0.0.1', int(port), local_hostname='client.example.com', context=ctx, timeout=20)
            else:
                s = smtplib.SMTP('127.0.0.1', int(port), local_hostname='client.example.com', timeout=20)
                s.starttls(context=ctx)
            s.login(user, password)
            refused = s.sendmail(sender, [rcpt], data)
            assert not refused, refused
            s.quit()
            print('sent')
            """;

    @ParameterizedTest(name = "python smtplib {0}")
    @CsvSource({"starttls", "ssl"})
    void MSA_02_pythonSmtplib(String mode) throws Exception {
        Assumptions.assumeTrue(onPath("python3"), "python3 not installed");
        String marker = "py-" + UUID.randomUUID();
        String original = message(marker);
        Path script = dir.resolve("submit.py");
        Files.writeString(script, PYTHON);
        Path msg = Files.createTempFile(dir, "msg", ".eml");
        Files.writeString(msg, original, StandardCharsets.UTF_8);
        int port = mode.equals("ssl") ? mr.submissions() : mr.submission();
        String out = run(List.of("python3", script.toString(), mode, String.valueOf(port), MailroomFixture.ALICE,
                MailroomFixture.ALICE_PASSWORD, "alice@example.com", "carol@remote.example", msg.toString()), null);
        assertThat(out).contains("sent");
        assertArrivedIntact(marker, original, "client.example.com");
    }

    @ParameterizedTest(name = "swaks {0} AUTH {1}")
    @CsvSource({"--tls,PLAIN", "--tls,LOGIN", "--tlsc,PLAIN", "--tlsc,LOGIN"})
    void MSA_02_swaks(String tlsOption, String mechanism) throws Exception {
        Assumptions.assumeTrue(onPath("swaks"), "swaks not installed");
        String marker = "swaks-" + UUID.randomUUID();
        String original = message(marker);
        Path msg = Files.createTempFile(dir, "msg", ".eml");
        // swaks sends the file with LF turned into CRLF and then its own "\r\n.\r\n": leave the last
        // line's newline to it
        String lf = original.replace("\r\n", "\n");
        Files.writeString(msg, lf.substring(0, lf.length() - 1), StandardCharsets.UTF_8);
        int port = tlsOption.equals("--tlsc") ? mr.submissions() : mr.submission();
        String transcript = run(List.of("swaks", "--server", "127.0.0.1:" + port, tlsOption, "--auth", mechanism,
                "--auth-user", MailroomFixture.ALICE, "--auth-password", MailroomFixture.ALICE_PASSWORD,
                "--helo", "client.example.com", "--from", "alice@example.com", "--to", "carol@remote.example",
                "--data", "@" + msg, "--timeout", "20"), null);
        assertThat(transcript).contains("~> AUTH " + mechanism).contains("<~  235 2.7.0");
        assertArrivedIntact(marker, original, "client.example.com");
    }

    @ParameterizedTest(name = "msmtp tls_starttls {0} auth {1}")
    @CsvSource({"on,plain", "on,login", "off,plain", "off,login"})
    void MSA_02_msmtp(String starttls, String mechanism) throws Exception {
        Assumptions.assumeTrue(onPath("msmtp"), "msmtp not installed");
        String marker = "msmtp-" + UUID.randomUUID();
        String original = message(marker);
        int port = starttls.equals("on") ? mr.submission() : mr.submissions();
        Path rc = dir.resolve("msmtprc-" + marker);
        List<String> lines = new ArrayList<>(List.of(
                "account test",
                "host 127.0.0.1",
                "port " + port,
                "domain client.example.com",
                "tls on",
                "tls_starttls " + starttls,
                "tls_certcheck off",
                "auth " + mechanism,
                "user " + MailroomFixture.ALICE,
                "passwordeval \"echo " + MailroomFixture.ALICE_PASSWORD + "\"",
                "set_date_header off",
                "set_msgid_header off",
                "timeout 20",
                "account default : test"));
        Files.write(rc, lines);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        run(List.of("msmtp", "-C", rc.toString(), "--read-envelope-from", "-t"), original.replace("\r\n", "\n"));
        assertArrivedIntact(marker, original, "client.example.com");
    }
}
