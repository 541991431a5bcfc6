package dev.mailroom.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * [tls] native_crypto: with the native provider the server offers X25519, P-256 and P-384 (the first because
 * OpenSSL-based clients send their one key share for it, the others because they run natively); without it,
 * the JDK's defaults. A TLS 1.3 handshake (here openssl s_client over STARTTLS) ends on the client's first
 * choice either way: the switch changes cost, not interoperability.
 */
class NativeCryptoTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"true, X25519:P-256, X25519", "true, P-256, prime256v1", "false, X25519:P-256, X25519"})
    void theKeyExchangeIsTheClientsFirstChoice(boolean nativeCrypto, String clientGroups, String expectedGroup)
            throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
        Files.writeString(dir.resolve("mailroom.toml"), """
                [tls]
                native_crypto = %s
                [[listener]]
                name = "submission"
                listen = "127.0.0.1:0"
                """.formatted(nativeCrypto));
        try (MailroomProcess run = MailroomProcess.start(dir, "run", "--config", "mailroom.toml")) {
            String port = run.await(Pattern.compile("submission listening on 127\\.0\\.0\\.1:(\\d+)"), MailroomProcess.STARTUP);
            String out = sClient(port, clientGroups);
            assertThat(out).contains("Protocol version: TLSv1.3");
            assertThat(out).containsPattern("Server Temp Key: [^\\n]*" + expectedGroup);
        }
    }

    private static String sClient(String port, String groups) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-starttls", "smtp",
                "-groups", groups, "-brief").redirectErrorStream(true).start();
        p.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
