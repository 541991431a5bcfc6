package dev.mailroom.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.smtp.SmtpReply;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reply parser on its own (SMTP and LMTP): what a server may and may not send. */
class ReplyReaderTest {

    static ReplyReader reader(String wire) {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void perRecipientRepliesInSequenceWithEnhancedCodes() throws Exception {
        ReplyReader r = reader("250 2.0.0 <a@example.org> Saved\r\n550 5.2.2 <b@example.org> Quota exceeded\r\n"
                + "452-4.2.2 <c@example.org> mailbox\r\n452 4.2.2 full\r\n");
        assertThat(r.read(true)).isEqualTo(SmtpReply.of(250, "2.0.0", "<a@example.org> Saved"));
        assertThat(r.read(true)).isEqualTo(SmtpReply.of(550, "5.2.2", "<b@example.org> Quota exceeded"));
        assertThat(r.read(true)).isEqualTo(new SmtpReply(452, "4.2.2", List.of("<c@example.org> mailbox", "full")));
        assertThatThrownBy(() -> r.read(true)).isInstanceOf(EOFException.class);
    }

    @Test
    void anEnhancedCodeOfAnotherClassStaysText() throws Exception {
        assertThat(reader("250 5.0.0 odd\r\n").read(true)).isEqualTo(new SmtpReply(250, null, List.of("5.0.0 odd")));
        assertThat(reader("250 2.0.0 kept as text\r\n").read(false)).isEqualTo(new SmtpReply(250, null, List.of("2.0.0 kept as text")));
        assertThat(reader("220\r\n").read(false)).isEqualTo(new SmtpReply(220, null, List.of("")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"250 ok\n", "250 o\rk\r\n", "25\r\n", "abc hello\r\n", "199 low\r\n", "250-a\r\n251 b\r\n", "250*x\r\n"})
    void malformedRepliesAreProtocolErrors(String wire) {
        assertThatThrownBy(() -> reader(wire).read(true)).isInstanceOf(SmtpClientException.class);
    }

    @Test
    void overlongLinesAreRefused() {
        assertThatThrownBy(() -> reader("250 " + "x".repeat(600) + "\r\n").read(true))
                .isInstanceOf(SmtpClientException.class).hasMessageContaining("longer than 512");
    }
}
