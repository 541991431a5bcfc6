package dev.mailroom.it;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue section 4 / AUTH-21: failed logins are throttled per client address and per account with a growing
 * delay, then refused with 454 4.7.0 for a cool-down, even with the right password.
 */
class AuthThrottlingTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.startWithAuth(dir, "max_failures_per_ip = 3\nmax_failures_per_account = 3\n");
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    private static SmtpTestClient secureFrom(String ip) throws Exception {
        return SmtpTestClient.connectFrom(ip, mr.submission()).startSecure("client.example.com");
    }

    @Test
    void AUTH_21_failuresBlockTheClientAddressAndTheAccountWith454() throws Exception {
        long slowest = 0;
        try (SmtpTestClient c = secureFrom("127.0.0.31")) {
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                SmtpTestClient.Reply r = expect(c.authPlain(MailroomFixture.ALICE, "wrong"), 535);
                slowest = Math.max(slowest, System.nanoTime() - t0);
                assertThat(r.enhanced()).isEqualTo("5.7.8");
            }
        }
        // The second failure was answered only after a delay (the brake grows with each failure).
        assertThat(slowest).isGreaterThanOrEqualTo(200_000_000L);
        try (SmtpTestClient c = secureFrom("127.0.0.31")) {
            expect(c.authPlain(MailroomFixture.ALICE, "wrong again"), 535);
            // Now blocked: even the right password is refused from this address, with a temporary code.
            SmtpTestClient.Reply r = expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 454);
            assertThat(r.enhanced()).isEqualTo("4.7.0");
        }
        // Another address is not blocked for another account ...
        try (SmtpTestClient c = secureFrom("127.0.0.32")) {
            expect(c.authPlain(MailroomFixture.BOB, MailroomFixture.BOB_PASSWORD), 235);
        }
        // ... but the account that was attacked is cooling down from a new address too.
        try (SmtpTestClient c = secureFrom("127.0.0.33")) {
            SmtpTestClient.Reply r = expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 454);
            assertThat(r.enhanced()).isEqualTo("4.7.0");
        }
    }
}
