package dev.mailroom.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Loop detection reads the header section only, in chunks of any size. */
class DeliveredToScannerTest {

    static boolean loops(String address, String message, int chunk) {
        DeliveredToScanner s = new DeliveredToScanner(address);
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            s.feed(b, i, Math.min(chunk, b.length - i));
        }
        return s.loopDetected();
    }

    @Test
    void foundInAnyChunkingAndCase() {
        String m = "Received: x\r\nDelivered-To: Alice@Example.org\r\nSubject: s\r\n\r\nbody\r\n";
        for (int chunk : new int[] {1, 2, 3, 7, 1000}) {
            assertThat(loops("alice@example.org", m, chunk)).as("chunk " + chunk).isTrue();
        }
    }

    @Test
    void foldedAndBracketedValues() {
        assertThat(loops("alice@example.org", "delivered-to:\r\n <alice@example.org>\r\n\r\n", 5)).isTrue();
    }

    @Test
    void theLastFieldOfAMessageWithoutBody() {
        assertThat(loops("alice@example.org", "Subject: s\r\nDelivered-To: alice@example.org\r\n", 4)).isTrue();
    }

    @Test
    void notInTheBodyNotAnotherAddressNotAPrefix() {
        assertThat(loops("alice@example.org", "Subject: s\r\n\r\nDelivered-To: alice@example.org\r\n", 3)).isFalse();
        assertThat(loops("alice@example.org", "Delivered-To: bob@example.org\r\n\r\n", 3)).isFalse();
        assertThat(loops("alice@example.org", "X-Delivered-To: alice@example.org\r\n\r\n", 3)).isFalse();
        assertThat(loops("alice@example.org", "Delivered-To: alice@example.org.evil\r\n\r\n", 3)).isFalse();
    }

    @Test
    void anOverlongFieldIsSkippedNotBuffered() {
        String longValue = "x".repeat(DeliveredToScanner.MAX_FIELD + 10);
        assertThat(loops("alice@example.org", "Delivered-To: alice@example.org " + longValue + "\r\n"
                + "Delivered-To: alice@example.org\r\n\r\n", 100)).isTrue();
        assertThat(loops("alice@example.org", "Delivered-To: alice@example.org" + "\r\n " + longValue + "\r\n\r\n", 100)).isFalse();
    }
}
