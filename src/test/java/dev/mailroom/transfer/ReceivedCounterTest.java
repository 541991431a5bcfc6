package dev.mailroom.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReceivedCounterTest {

    private static int count(String message) {
        ReceivedCounter c = new ReceivedCounter();
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        c.update(b, 0, b.length);
        return c.count();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // one field, in the spellings RFC 5322 allows (field names are case-insensitive, section 1.2.2;
            // white space before the colon is obsolete syntax, section 4.5)
            "Received: from a by b; date\\r\\n\\r\\nbody|1",
            "RECEIVED: from a\\r\\n\\r\\n|1",
            "received:x\\r\\n\\r\\n|1",
            "Received \\t : from a\\r\\n\\r\\n|1",
            // not Received fields
            "Received-SPF: pass\\r\\n\\r\\n|0",
            "X-Received: by x\\r\\n\\r\\n|0",
            "Receive: x\\r\\n\\r\\n|0",
            "Received x: y\\r\\n\\r\\n|0",
            "Subject: hi\\r\\n Received: folded into Subject\\r\\n\\r\\n|0",
            "Subject: hi\\r\\n\\tReceived: folded\\r\\n\\r\\n|0",
            // after the empty line it is body, including a forwarded message's own header section
            "Subject: hi\\r\\n\\r\\nReceived: in the body\\r\\n|0",
            "\\r\\nReceived: message without header fields\\r\\n|0",
            "Received: a\\r\\nSubject: s\\r\\nReceived: b\\r\\n\\r\\nReceived: c\\r\\n|2",
            // a header section that never ends (a message without body) still counts
            "Received: a\\r\\nReceived: b\\r\\n|2",
            "Received: a\\r\\nReceived: b|2",
    })
    void countsOnlyReceivedFieldsOfTheHeaderSection(String message, int expected) {
        assertThat(count(message.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t"))).isEqualTo(expected);
    }

    @Test
    void theCountDoesNotDependOnHowTheContentIsSplit() {
        String message = "Received: from a\r\n\tby b; date\r\nreceived : c\r\nX-Received: d\r\nSubject: e\r\n"
                + "RECEIVED:f\r\n\r\nReceived: body\r\n";
        byte[] b = message.getBytes(StandardCharsets.US_ASCII);
        for (int split1 = 0; split1 <= b.length; split1++) {
            for (int split2 = split1; split2 <= b.length; split2 += 7) {
                ReceivedCounter c = new ReceivedCounter();
                c.update(b, 0, split1);
                c.update(b, split1, split2 - split1);
                c.update(b, split2, b.length - split2);
                assertThat(c.count()).as("split at %d and %d", split1, split2).isEqualTo(3);
                assertThat(c.inBody()).isTrue();
            }
        }
        ReceivedCounter oneByOne = new ReceivedCounter();
        for (int i = 0; i < b.length; i++) {
            oneByOne.update(b, i, 1);
        }
        assertThat(oneByOne.count()).isEqualTo(3);
    }

    @Test
    void fiftyOneHopsCountFiftyOne() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            sb.append("Received: from h").append(i).append(" by h").append(i + 1).append(";\r\n Mon, 1 Jan 2024 00:00:00 +0000\r\n");
        }
        sb.append("Subject: loop\r\n\r\nbody\r\n");
        assertThat(count(sb.toString())).isEqualTo(51);
    }

    @Test
    void theBodyIsNotScanned() {
        ReceivedCounter c = new ReceivedCounter();
        byte[] head = "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        c.update(head, 0, head.length);
        assertThat(c.inBody()).isTrue();
        byte[] body = "Received: x\r\n".repeat(10).getBytes(StandardCharsets.US_ASCII);
        c.update(body, 0, body.length);
        assertThat(c.count()).isZero();
    }
}
