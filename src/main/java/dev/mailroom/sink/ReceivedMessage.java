package dev.mailroom.sink;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One message the sink accepted, with its envelope exactly as it came over the wire.
 *
 * @param heloName    the EHLO/HELO argument of the session
 * @param tls         the transaction ran inside STARTTLS
 * @param authUser    the authentication identity of AUTH PLAIN, or null
 * @param mailFrom    the reverse-path between the angle brackets (empty for {@code <>})
 * @param mailParams  MAIL FROM parameters as raw words ({@code SIZE=123}, {@code SMTPUTF8}), in order
 * @param rcptTo      the accepted forward-paths between the angle brackets, in order
 * @param rcptParams  the raw RCPT parameters of each accepted recipient, parallel to {@code rcptTo}
 * @param data        the content: after dot-unstuffing and without the terminating {@code .CRLF} (DATA),
 *                    or the concatenated chunks (BDAT); bare CR and LF are kept as received
 * @param pipelined   the client sent a command of this transaction before it had the reply to the
 *                    previous one (RFC 2920)
 * @param chunked     the content came by BDAT (RFC 3030) rather than DATA
 * @param receivedAt  when the end of data arrived
 */
public record ReceivedMessage(String heloName, boolean tls, String authUser, String mailFrom, List<String> mailParams,
                              List<String> rcptTo, List<List<String>> rcptParams, byte[] data, boolean pipelined,
                              boolean chunked, Instant receivedAt) {

    public ReceivedMessage {
        mailParams = List.copyOf(mailParams);
        rcptTo = List.copyOf(rcptTo);
        rcptParams = rcptParams.stream().map(List::copyOf).toList();
    }

    /** The data decoded as UTF-8, for assertions and printing. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }
}
