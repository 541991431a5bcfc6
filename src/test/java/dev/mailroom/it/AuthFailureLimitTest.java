package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AUTH-21 (RFC 4954 section 9): its own server, so the per-IP throttle starts from zero. */
class AuthFailureLimitTest {
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

    @Test
    void AUTH_21_twoFailuresLeaveTheSessionUsableTheThirdCloses() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission()).startSecure("client.example.com")) {
            expect(c.authPlain(MailroomFixture.ALICE, "wrong-1"), 535, "5.7.8");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.authPlain(MailroomFixture.BOB, "wrong-2"), 535, "5.7.8");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.authPlain(MailroomFixture.ALICE, "wrong-3"), 535, "5.7.8");
            expect(c.read(), 421, "4.7.0");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }
}
